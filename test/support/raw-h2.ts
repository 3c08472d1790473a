// A raw HTTP/2 client for tests: frames and HPACK written by hand, so a test
// can send what old gRPC-Go clients send (a unix socket path as :authority,
// Huffman-coded and incrementally indexed), which node:http2 refuses to send.
import { connect, type Socket } from 'node:net';
import { HpackDecoder, encodeIndexed, encodeLiteral, huffmanEncodedLength, STATIC_TABLE, type HeaderField } from '../../src/api/hpack.js';
import { F, PREFACE as CONNECTION_PREFACE, frame } from '../../src/api/h2-frames.js';

const FLAG_END_HEADERS = F.END_HEADERS;
const FLAG_END_STREAM = F.END_STREAM;
const FLAG_PADDED = F.PADDED;
const FLAG_PRIORITY = F.PRIORITY;
const FRAME_HEADER_SIZE = 9;

export const FRAME = { DATA: 0x0, HEADERS: 0x1, RST_STREAM: 0x3, SETTINGS: 0x4, PING: 0x6, GOAWAY: 0x7, WINDOW_UPDATE: 0x8, CONTINUATION: 0x9 } as const;
const FLAG_ACK = 0x1;

export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

/** Splits a byte string into frames (after the preface, if `preface`); throws on a truncated one. */
export function parseFrames(bytes: Buffer, preface = false): Frame[] {
  let pos = preface ? CONNECTION_PREFACE.length : 0;
  const frames: Frame[] = [];
  while (pos < bytes.length) {
    if (bytes.length - pos < FRAME_HEADER_SIZE) throw new Error('truncated frame header');
    const length = bytes.readUIntBE(pos, 3);
    const end = pos + FRAME_HEADER_SIZE + length;
    if (end > bytes.length) throw new Error('truncated frame');
    frames.push({ type: bytes[pos + 3]!, flags: bytes[pos + 4]!, stream: bytes.readUInt32BE(pos + 5) & 0x7fffffff, payload: bytes.subarray(pos + FRAME_HEADER_SIZE, end) });
    pos = end;
  }
  return frames;
}

/** The header block fragment of a HEADERS frame (padding and priority removed). */
export function headersFragment(f: Frame): Buffer {
  let start = 0;
  let end = f.payload.length;
  if (f.flags & FLAG_PADDED) {
    end -= f.payload[0]!;
    start = 1;
  }
  if (f.flags & FLAG_PRIORITY) start += 5;
  return f.payload.subarray(start, end);
}

/**
 * An HPACK encoder that behaves like golang.org/x/net/http2/hpack (what
 * gRPC-Go uses): exact matches in either table are indexed, everything else
 * is a literal with incremental indexing, Huffman-coded when that is shorter.
 * Its own table is tracked by decoding what it emits.
 */
export class GoLikeEncoder {
  private readonly mirror = new HpackDecoder();

  encode(fields: readonly HeaderField[]): Buffer {
    return Buffer.concat(fields.map((f) => this.field(f)));
  }

  /** Fields are encoded one by one against the table as it will be when the peer reaches them. */
  private field(f: HeaderField): Buffer {
    const exact = this.find((e) => e.name === f.name && e.value === f.value);
    let out: Buffer;
    if (exact) {
      out = encodeIndexed(exact);
    } else {
      const huffman = huffmanEncodedLength(f.name) < f.name.length || huffmanEncodedLength(f.value) < f.value.length;
      out = encodeLiteral(f, { indexing: 'incremental', huffman, nameIndex: this.find((e) => e.name === f.name) ?? 0 });
    }
    this.mirror.decode(out); // keep the mirror in step within the block
    return out;
  }

  private find(match: (e: HeaderField) => boolean): number | undefined {
    const s = STATIC_TABLE.findIndex(([name, value]) => match({ name, value }));
    if (s >= 0) return s + 1;
    const d = this.mirror.table.findIndex(match);
    return d >= 0 ? STATIC_TABLE.length + 1 + d : undefined;
  }
}

export interface StreamResult {
  headers: HeaderField[];
  trailers: HeaderField[];
  data: Buffer;
  /** RST_STREAM error code, if the server reset the stream. */
  resetCode?: number;
}

interface Pending {
  blocks: HeaderField[][];
  data: Buffer[];
  resolve: (r: StreamResult) => void;
  reject: (e: Error) => void;
}

/** One HTTP/2 connection over a unix socket, spoken frame by frame. */
export class RawH2Connection {
  private readonly decoder = new HpackDecoder();
  private readonly streams = new Map<number, Pending>();
  private buffered: Buffer = Buffer.alloc(0);
  private block: { stream: number; fragments: Buffer[]; endStream: boolean } | undefined;
  private failure: Error | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static async open(socketPath: string): Promise<RawH2Connection> {
    const socket = connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new RawH2Connection(socket);
    socket.write(Buffer.concat([CONNECTION_PREFACE, frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(0))]));
    return c;
  }

  /** Sends a header block (one HEADERS frame) and returns the stream's eventual result. */
  request(stream: number, block: Buffer, body?: Buffer): Promise<StreamResult> {
    const result = new Promise<StreamResult>((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.streams.set(stream, { blocks: [], data: [], resolve, reject });
    });
    const frames = [frame(FRAME.HEADERS, FLAG_END_HEADERS | (body ? 0 : FLAG_END_STREAM), stream, block)];
    if (body) {
      let pos = 0;
      do {
        const end = Math.min(body.length, pos + 16384);
        frames.push(frame(FRAME.DATA, end === body.length ? FLAG_END_STREAM : 0, stream, body.subarray(pos, end)));
        pos = end;
      } while (pos < body.length);
    }
    this.socket.write(Buffer.concat(frames));
    return result;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    let pos = 0;
    while (this.buffered.length - pos >= FRAME_HEADER_SIZE) {
      const length = this.buffered.readUIntBE(pos, 3);
      if (this.buffered.length - pos < FRAME_HEADER_SIZE + length) break;
      const [f] = parseFrames(this.buffered.subarray(pos, pos + FRAME_HEADER_SIZE + length));
      pos += FRAME_HEADER_SIZE + length;
      try {
        this.onFrame(f!);
      } catch (e) {
        this.fail(e instanceof Error ? e : new Error(String(e)));
        this.socket.destroy();
        return;
      }
    }
    this.buffered = this.buffered.subarray(pos);
  }

  private onFrame(f: Frame): void {
    switch (f.type) {
      case FRAME.SETTINGS:
        if (!(f.flags & FLAG_ACK)) this.socket.write(frame(FRAME.SETTINGS, FLAG_ACK, 0, Buffer.alloc(0)));
        return;
      case FRAME.PING:
        if (!(f.flags & FLAG_ACK)) this.socket.write(frame(FRAME.PING, FLAG_ACK, 0, f.payload));
        return;
      case FRAME.HEADERS:
        this.block = { stream: f.stream, fragments: [headersFragment(f)], endStream: (f.flags & FLAG_END_STREAM) !== 0 };
        if (f.flags & FLAG_END_HEADERS) this.endBlock();
        return;
      case FRAME.CONTINUATION:
        this.block?.fragments.push(f.payload);
        if (f.flags & FLAG_END_HEADERS) this.endBlock();
        return;
      case FRAME.DATA:
        return this.onDataFrame(f);
      case FRAME.RST_STREAM:
        return this.finish(f.stream, f.payload.readUInt32BE(0));
      case FRAME.GOAWAY:
        return this.onGoaway(f);
    }
  }

  private onDataFrame(f: Frame): void {
    const s = this.streams.get(f.stream);
    let data = f.payload;
    if (f.flags & FLAG_PADDED) data = data.subarray(1, data.length - data[0]!);
    s?.data.push(data);
    if (f.payload.length > 0) {
      // Give the window back so that large responses never stall.
      const inc = Buffer.alloc(4);
      inc.writeUInt32BE(f.payload.length);
      this.socket.write(Buffer.concat([frame(FRAME.WINDOW_UPDATE, 0, 0, inc), frame(FRAME.WINDOW_UPDATE, 0, f.stream, inc)]));
    }
    if (f.flags & FLAG_END_STREAM) this.finish(f.stream);
  }

  /** Streams above the last one the server processed fail; all fail if it is an error. */
  private onGoaway(f: Frame): void {
    const last = f.payload.readUInt32BE(0) & 0x7fffffff;
    const code = f.payload.readUInt32BE(4);
    const e = new Error(`GOAWAY, HTTP/2 error code ${code}`);
    if (code !== 0) return this.fail(e);
    for (const [id, s] of this.streams) {
      if (id <= last) continue;
      this.streams.delete(id);
      s.reject(e);
    }
  }

  private endBlock(): void {
    const b = this.block!;
    this.block = undefined;
    const fields = this.decoder.decode(Buffer.concat(b.fragments)); // always, to keep the table in step
    this.streams.get(b.stream)?.blocks.push(fields);
    if (b.endStream) this.finish(b.stream);
  }

  private finish(stream: number, resetCode?: number): void {
    const s = this.streams.get(stream);
    if (!s) return;
    this.streams.delete(stream);
    const result: StreamResult = { headers: s.blocks[0] ?? [], trailers: s.blocks.slice(1).flat(), data: Buffer.concat(s.data) };
    if (resetCode !== undefined) result.resetCode = resetCode;
    s.resolve(result);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const s of this.streams.values()) s.reject(e);
    this.streams.clear();
  }
}

export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  return fields.find((f) => f.name === name)?.value;
}

/** The request header list gRPC-Go sends for a unary call. */
export function grpcRequestHeaders(path: string, authority: string): HeaderField[] {
  return [
    { name: ':method', value: 'POST' },
    { name: ':scheme', value: 'http' },
    { name: ':path', value: path },
    { name: ':authority', value: authority },
    { name: 'content-type', value: 'application/grpc' },
    { name: 'user-agent', value: 'grpc-go/1.50.1' },
    { name: 'te', value: 'trailers' },
  ];
}

/** gRPC length-prefixed message framing: flag 0 (uncompressed), 4-byte length, body. */
export function grpcFrame(body: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

export function grpcMessages(data: Buffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (data.length - pos >= 5) {
    const len = data.readUInt32BE(pos + 1);
    if (data.length - pos - 5 < len) break;
    out.push(new Uint8Array(data.subarray(pos + 5, pos + 5 + len)));
    pos += 5 + len;
  }
  return out;
}

export interface RawGrpcResult {
  status: number;
  grpcStatus?: string;
  grpcMessage?: string;
  messages: Uint8Array[];
}

/**
 * One gRPC unary call over a fresh connection, encoded the way gRPC-Go does
 * (Huffman, incremental indexing), with `authority` sent as is. Rejects if
 * the stream is reset or the connection fails or `timeoutMs` passes.
 * The request is sent without waiting for flow-control credit, so `body`
 * must fit the server's initial window (65535 octets less the 5-octet prefix
 * by default); responses of any size are fine.
 */
export async function rawGrpcCall(socketPath: string, path: string, body: Uint8Array, authority: string, timeoutMs = 10_000): Promise<RawGrpcResult> {
  const conn = await RawH2Connection.open(socketPath);
  let timer: NodeJS.Timeout | undefined;
  try {
    const block = new GoLikeEncoder().encode(grpcRequestHeaders(path, authority));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`rawGrpcCall ${path}: no answer in ${timeoutMs} ms`)), timeoutMs);
    });
    const r = await Promise.race([conn.request(1, block, grpcFrame(body)), timeout]);
    if (r.resetCode !== undefined) throw new Error(`rawGrpcCall ${path}: stream reset, HTTP/2 error code ${r.resetCode}`);
    // Trailers-only responses carry grpc-status in the headers.
    const end = r.trailers.length > 0 ? r.trailers : r.headers;
    const result: RawGrpcResult = { status: Number(headerValue(r.headers, ':status')), messages: grpcMessages(r.data) };
    const grpcStatus = headerValue(end, 'grpc-status');
    const grpcMessage = headerValue(end, 'grpc-message');
    if (grpcStatus !== undefined) result.grpcStatus = grpcStatus;
    if (grpcMessage !== undefined) result.grpcMessage = decodeURIComponent(grpcMessage);
    return result;
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}
