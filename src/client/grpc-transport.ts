// A minimal gRPC client over our own HTTP/2 connection (h2-connection.ts)
// for unix-socket CRI endpoints: unary and server-streaming calls,
// deadlines, status and message from trailers.
// Hand-written instead of grpc-js or node:http2 so that a CLI invocation
// stays well under the 60 ms budget (grpc-js costs tens of ms to load,
// node:http2 alone ~13 ms).
import type { HeaderField } from '../api/hpack.js';
import { H2Connection } from './h2-connection.js';
import { BerthError, Code } from '../util/errors.js';
import { ByteQueue } from '../util/byte-queue.js';

export interface CallOptions {
  /** Deadline for the whole call, milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Custom metadata (lower-case names), e.g. a W3C traceparent. */
  metadata?: Record<string, string>;
}

export class GrpcStatusError extends BerthError {
  constructor(
    readonly grpcCode: Code,
    readonly details: string,
    readonly method: string,
  ) {
    super(grpcCode, 'client', `${method}: ${Code[grpcCode] ?? grpcCode}: ${details}`);
    this.name = 'GrpcStatusError';
  }
}

export class GrpcTransport {
  private conn: H2Connection | undefined;

  constructor(
    readonly socketPath: string,
    private readonly maxMessageSize = 16 * 1024 * 1024,
  ) {}

  /** One request message, one response message. */
  async unary(path: string, body: Uint8Array, opts: CallOptions = {}): Promise<Uint8Array> {
    const messages = await this.collect(path, body, opts, undefined);
    const first = messages[0];
    if (!first) throw new GrpcStatusError(Code.Internal, 'server sent no response message', path);
    return first;
  }

  /** One request, a stream of responses delivered to onMessage. */
  async serverStream(path: string, body: Uint8Array, onMessage: (m: Uint8Array) => void, opts: CallOptions = {}): Promise<void> {
    await this.collect(path, body, opts, onMessage);
  }

  close(): void {
    this.conn?.close();
    this.conn = undefined;
  }

  private connection(): H2Connection {
    if (!this.conn || this.conn.closed) this.conn = new H2Connection(this.socketPath);
    return this.conn;
  }

  private collect(path: string, body: Uint8Array, opts: CallOptions, onMessage: ((m: Uint8Array) => void) | undefined): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      const headers: HeaderField[] = [
        { name: ':method', value: 'POST' },
        { name: ':scheme', value: 'http' },
        { name: ':path', value: path },
        { name: ':authority', value: 'localhost' },
        { name: 'content-type', value: 'application/grpc' },
        { name: 'te', value: 'trailers' },
      ];
      if (opts.timeoutMs !== undefined) headers.push({ name: 'grpc-timeout', value: `${Math.max(1, Math.ceil(opts.timeoutMs))}m` });
      for (const [name, value] of Object.entries(opts.metadata ?? {})) headers.push({ name, value });
      const messages: Uint8Array[] = [];
      const reader = new MessageReader(this.maxMessageSize);
      let settled = false;
      let status: { code: number; message: string } | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(messages);
      };
      const readStatus = (fields: HeaderField[]): void => {
        const h = new Map(fields.map((f) => [f.name, f.value]));
        const httpStatus = h.get(':status');
        if (httpStatus !== undefined && httpStatus !== '200') status = { code: Code.Unknown, message: `HTTP status ${httpStatus}` };
        const code = h.get('grpc-status');
        if (code !== undefined) status = { code: Number(code), message: decodeMessage(h.get('grpc-message') ?? '') };
      };
      const end = (): void => {
        if (!status) finish(new GrpcStatusError(Code.Unavailable, 'stream ended without a grpc-status', path));
        else if (status.code !== Code.OK) finish(new GrpcStatusError(status.code as Code, status.message, path));
        else finish();
      };
      const stream = this.connection().request(headers, grpcFrame(body), {
        onHeaders: (fields, endStream) => {
          readStatus(fields);
          if (endStream) end();
        },
        onData: (data, endStream) => {
          try {
            for (const m of reader.push(data)) {
              if (onMessage) onMessage(m);
              else messages.push(m);
            }
          } catch (e) {
            stream.cancel();
            finish(e instanceof GrpcStatusError ? e : new GrpcStatusError(Code.Internal, String(e), path));
            return;
          }
          if (endStream) end();
        },
        onError: (e) => finish(unavailable(this.socketPath, path, e)),
      });
      const onAbort = (): void => {
        stream.cancel();
        finish(new GrpcStatusError(Code.Cancelled, 'call cancelled', path));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          stream.cancel();
          finish(new GrpcStatusError(Code.DeadlineExceeded, `no answer within ${opts.timeoutMs} ms`, path));
        }, opts.timeoutMs);
      }
    });
  }
}

/**
 * Splits the gRPC length-prefixed message stream. DATA frames are kept as
 * they come and joined once per message (a 41 KB ListImages answer arrives
 * as three frames: joining them as they came copied it twice more, and the
 * garbage made the client's GC show in its call latencies).
 */
export class MessageReader {
  private readonly queue = new ByteQueue();
  constructor(private readonly max: number) {}

  push(chunk: Buffer): Uint8Array[] {
    this.queue.push(chunk);
    const out: Uint8Array[] = [];
    while (this.queue.length >= 5) {
      const head = this.queue.peek(5);
      const len = head.readUInt32BE(1);
      if (len > this.max) throw new GrpcStatusError(Code.ResourceExhausted, `response message of ${len} bytes exceeds ${this.max}`, '');
      if (head[0] !== 0) throw new GrpcStatusError(Code.Internal, 'compressed responses are not supported', '');
      if (this.queue.length < 5 + len) break;
      out.push(this.queue.take(5 + len).subarray(5));
    }
    return out;
  }
}

function grpcFrame(body: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, 5);
  return frame;
}

function unavailable(socket: string, path: string, e: unknown): GrpcStatusError {
  const err = e as NodeJS.ErrnoException;
  const hint = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? ' (is the runtime running?)' : '';
  return new GrpcStatusError(Code.Unavailable, `cannot connect to ${socket}: ${err.message ?? String(e)}${hint}`, path);
}

/** grpc-message is percent-encoded. */
function decodeMessage(m: string): string {
  try {
    return decodeURIComponent(m);
  } catch {
    return m;
  }
}
