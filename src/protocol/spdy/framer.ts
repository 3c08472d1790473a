// Bytes → frames. Feed it whatever the socket delivers; it calls onFrame for
// each complete frame, in order. Header blocks are decompressed here, in
// arrival order, because they share one zlib stream.
import {
  ControlType,
  FLAG_FIN,
  FLAG_SETTINGS_CLEAR,
  FLAG_UNIDIRECTIONAL,
  SPDY_VERSION,
  SpdyProtocolError,
  type Frame,
} from './frames.js';
import type { HeaderDecompressor } from './zlib-headers.js';

const HEADER_SIZE = 8;

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly headers: HeaderDecompressor,
    private readonly onFrame: (frame: Frame) => void,
  ) {}

  /** Parses every complete frame in the bytes seen so far. Throws SpdyProtocolError. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= HEADER_SIZE) {
      const head = this.peek(HEADER_SIZE);
      const length = head.readUInt32BE(4) & 0xffffff;
      if (this.buffered < HEADER_SIZE + length) return;
      this.take(HEADER_SIZE);
      const payload = this.take(length);
      this.onFrame(this.decode(head, payload));
    }
  }

  private decode(head: Buffer, payload: Buffer): Frame {
    const flags = head[4] as number;
    if ((head[0] as number) & 0x80) {
      const version = head.readUInt16BE(0) & 0x7fff;
      if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
      return this.decodeControl(head.readUInt16BE(2), flags, payload);
    }
    return { type: 'data', streamId: head.readUInt32BE(0) & 0x7fffffff, fin: (flags & FLAG_FIN) !== 0, data: payload };
  }

  private decodeControl(type: number, flags: number, p: Buffer): Frame {
    const need = (n: number, what: string): void => {
      if (p.length < n) throw new SpdyProtocolError(`${what} frame too short (${p.length} bytes)`);
    };
    const fin = (flags & FLAG_FIN) !== 0;
    switch (type) {
      case ControlType.SYN_STREAM:
        need(10, 'SYN_STREAM');
        return {
          type: 'syn_stream',
          streamId: p.readUInt32BE(0) & 0x7fffffff,
          associatedId: p.readUInt32BE(4) & 0x7fffffff,
          priority: (p[8] as number) >> 5,
          fin,
          unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
          headers: this.headers.decompress(p.subarray(10)),
        };
      case ControlType.SYN_REPLY:
        need(4, 'SYN_REPLY');
        return { type: 'syn_reply', streamId: p.readUInt32BE(0) & 0x7fffffff, fin, headers: this.headers.decompress(p.subarray(4)) };
      case ControlType.HEADERS:
        need(4, 'HEADERS');
        return { type: 'headers', streamId: p.readUInt32BE(0) & 0x7fffffff, fin, headers: this.headers.decompress(p.subarray(4)) };
      case ControlType.RST_STREAM:
        need(8, 'RST_STREAM');
        return { type: 'rst_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
      case ControlType.SETTINGS: {
        need(4, 'SETTINGS');
        const count = p.readUInt32BE(0);
        need(4 + count * 8, 'SETTINGS');
        const entries = [];
        for (let i = 0; i < count; i++) {
          const off = 4 + i * 8;
          entries.push({ flags: p[off] as number, id: p.readUInt32BE(off) & 0xffffff, value: p.readUInt32BE(off + 4) });
        }
        return { type: 'settings', clear: (flags & FLAG_SETTINGS_CLEAR) !== 0, entries };
      }
      case ControlType.PING:
        need(4, 'PING');
        return { type: 'ping', id: p.readUInt32BE(0) };
      case ControlType.GOAWAY:
        // SPDY/2 GOAWAY had no status; accept 4 bytes too.
        need(4, 'GOAWAY');
        return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.length >= 8 ? p.readUInt32BE(4) : 0 };
      case ControlType.WINDOW_UPDATE:
        need(8, 'WINDOW_UPDATE');
        return { type: 'window_update', streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
      default:
        return { type: 'unknown', controlType: type, flags, payload: p };
    }
  }

  /** The first n buffered bytes, without consuming them (n ≤ buffered). */
  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  /** Consumes n bytes (n ≤ buffered); copies only when they span chunks. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    this.buffered -= n;
    const first = this.chunks[0] as Buffer;
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0] as Buffer;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
