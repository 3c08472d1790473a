// A minimal gRPC client over node:http2 for unix-socket CRI endpoints: unary
// and server-streaming calls, deadlines, status and message from trailers.
// Hand-written instead of grpc-js so that a CLI invocation stays well under
// the 60 ms budget (grpc-js alone costs tens of ms to load).
import { connect as h2connect, constants as h2c, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { BerthError, Code } from '../util/errors.js';

export interface CallOptions {
  /** Deadline for the whole call, milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
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
  private session: ClientHttp2Session | undefined;

  constructor(
    readonly socketPath: string,
    private readonly maxMessageSize = 16 * 1024 * 1024,
  ) {}

  private getSession(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const path = this.socketPath;
    const session = h2connect('http://localhost', { createConnection: () => netConnect(path) });
    session.on('error', () => undefined); // surfaced per stream
    session.unref();
    this.session = session;
    return session;
  }

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
    this.session?.close();
    this.session = undefined;
  }

  private collect(path: string, body: Uint8Array, opts: CallOptions, onMessage: ((m: Uint8Array) => void) | undefined): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      let stream: ClientHttp2Stream;
      const headers: Record<string, string> = {
        [h2c.HTTP2_HEADER_METHOD]: 'POST',
        [h2c.HTTP2_HEADER_PATH]: path,
        [h2c.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
      };
      if (opts.timeoutMs !== undefined) headers['grpc-timeout'] = `${Math.max(1, Math.ceil(opts.timeoutMs))}m`;
      try {
        stream = this.getSession().request(headers);
      } catch (e) {
        reject(unavailable(this.socketPath, path, e));
        return;
      }
      const messages: Uint8Array[] = [];
      let buf: Buffer = Buffer.alloc(0);
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
      const onAbort = (): void => {
        stream.close(h2c.NGHTTP2_CANCEL);
        finish(new GrpcStatusError(Code.Cancelled, 'call cancelled', path));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          stream.close(h2c.NGHTTP2_CANCEL);
          finish(new GrpcStatusError(Code.DeadlineExceeded, `no answer within ${opts.timeoutMs} ms`, path));
        }, opts.timeoutMs);
      }
      const readStatus = (h: Record<string, string | string[] | undefined>): void => {
        const code = h['grpc-status'];
        if (code !== undefined) status = { code: Number(code), message: decodeMessage(String(h['grpc-message'] ?? '')) };
      };
      stream.on('response', (h) => {
        const httpStatus = Number(h[':status']);
        if (httpStatus !== 200) status = { code: Code.Unknown, message: `HTTP status ${httpStatus}` };
        readStatus(h);
      });
      stream.on('trailers', (h) => readStatus(h));
      stream.on('data', (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        while (buf.length >= 5) {
          const len = buf.readUInt32BE(1);
          if (len > this.maxMessageSize) {
            stream.close(h2c.NGHTTP2_CANCEL);
            finish(new GrpcStatusError(Code.ResourceExhausted, `response message of ${len} bytes exceeds ${this.maxMessageSize}`, path));
            return;
          }
          if (buf.length < 5 + len) break;
          if (buf[0] !== 0) {
            finish(new GrpcStatusError(Code.Internal, 'compressed responses are not supported', path));
            return;
          }
          const msg = buf.subarray(5, 5 + len);
          buf = buf.subarray(5 + len);
          if (onMessage) onMessage(msg);
          else messages.push(msg);
        }
      });
      stream.on('error', (e) => finish(unavailable(this.socketPath, path, e)));
      stream.on('close', () => {
        if (!status) {
          finish(new GrpcStatusError(Code.Unavailable, `stream closed without a status (rst code ${stream.rstCode})`, path));
        } else if (status.code !== Code.OK) {
          finish(new GrpcStatusError(status.code as Code, status.message, path));
        } else finish();
      });
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      frame.set(body, 5);
      stream.end(frame);
    });
  }
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
