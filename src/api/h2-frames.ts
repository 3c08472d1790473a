// HTTP/2 framing shared by our client (src/client/h2-connection.ts) and our
// server (h2-server.ts): frame types, flags, settings ids, and the two pure
// helpers both ends need. RFC 9113.
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const T = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const F = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
export const S = { HEADER_TABLE_SIZE: 0x1, ENABLE_PUSH: 0x2, MAX_CONCURRENT_STREAMS: 0x3, INITIAL_WINDOW_SIZE: 0x4, MAX_FRAME_SIZE: 0x5 } as const;
export const E = { NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, FLOW_CONTROL_ERROR: 0x3, STREAM_CLOSED: 0x5, FRAME_SIZE_ERROR: 0x6, REFUSED_STREAM: 0x7, CANCEL: 0x8, COMPRESSION_ERROR: 0x9, ENHANCE_YOUR_CALM: 0xb } as const;
export const MAX_WINDOW = 0x7fffffff;
export const DEFAULT_WINDOW = 65535;
export const DEFAULT_MAX_FRAME = 16384;

export function frame(type: number, flags: number, id: number, payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(9 + payload.length);
  b.writeUIntBE(payload.length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(id, 5);
  b.set(payload, 9);
  return b;
}

/** The payload without its padding; undefined when the padding is longer than the frame. */
export function stripPadding(flags: number, payload: Buffer): Buffer | undefined {
  if (!(flags & F.PADDED)) return payload;
  if (payload.length < 1) return undefined;
  const pad = payload[0] as number;
  if (pad > payload.length - 1) return undefined;
  return payload.subarray(1, payload.length - pad);
}

/** HEADERS (+ CONTINUATION) frames carrying one header block, none over `maxFrame`. */
export function headerFrames(id: number, block: Buffer, endStream: boolean, maxFrame: number): Buffer[] {
  const first = block.subarray(0, maxFrame);
  let flags = endStream ? F.END_STREAM : 0;
  if (first.length === block.length) flags |= F.END_HEADERS;
  const out = [frame(T.HEADERS, flags, id, first)];
  for (let off = first.length; off < block.length; off += maxFrame) {
    const part = block.subarray(off, off + maxFrame);
    out.push(frame(T.CONTINUATION, off + part.length >= block.length ? F.END_HEADERS : 0, id, part));
  }
  return out;
}

/** The first whole frame in `buf` and what follows it; undefined until one has arrived. */
export function nextFrame(buf: Buffer): { type: number; flags: number; id: number; payload: Buffer; rest: Buffer } | undefined {
  if (buf.length < 9) return undefined;
  const len = buf.readUIntBE(0, 3);
  if (buf.length < 9 + len) return undefined;
  return { type: buf[3] as number, flags: buf[4] as number, id: buf.readUInt32BE(5) & 0x7fffffff, payload: buf.subarray(9, 9 + len), rest: buf.subarray(9 + len) };
}

export function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0, 0);
  return b;
}
