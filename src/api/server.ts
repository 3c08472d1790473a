// The gRPC server: the two CRI services (and Berth's own Pulls) from the
// method table, over our own HTTP/2 server connection (h2-server.ts) with our
// own gRPC framing. grpc-js did the same job for ~8 MB more idle RSS and tens
// of ms of start-up, node:http2 sent every unary answer in two socket writes
// and refused old gRPC-Go clients' :authority (measured here); the CRI needs
// only unary and server-streaming calls, deadlines, cancellation and status
// trailers.
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { H2ServerConnection, type H2ServerStream, type Headers } from './h2-server.js';
import { methods, type MethodName, type RequestOf, type ResponseOf, type StreamMethodName, type UnaryMethodName } from './method-table.js';
import type { MethodDef } from './methods.js';
import { responseEncoder } from './response-encoders.js';
import { BerthError, Code, errnoCode, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/log.js';

export interface CallContext {
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  method: MethodName;
}

export type UnaryHandler<M extends UnaryMethodName> = (req: RequestOf<M>, ctx: CallContext) => Promise<ResponseOf<M>>;
export type StreamHandler<M extends StreamMethodName> = (
  req: RequestOf<M>,
  ctx: CallContext,
  send: (res: ResponseOf<M>) => void,
) => Promise<void>;

export type Handlers = { [M in UnaryMethodName]?: UnaryHandler<M> } & { [M in StreamMethodName]?: StreamHandler<M> };

export interface GrpcServerOptions {
  socketPath: string;
  handlers: Handlers;
  maxMessageSize: number;
  log: Logger;
  /** Metrics, traces, timeline (src/observe): told of each call; absent: nothing is done per call. */
  observer?: CallObserver;
}

/** Sees each decoded call begin and end; the handler runs inside `run` (the call's async context). */
export interface CallObserver {
  begin(method: MethodName, headers: Headers, req: unknown): CallScope | undefined;
}

export interface CallScope {
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** After the answer was sent (`res` undefined when the call failed). */
  end(code: Code, message: string, res: unknown): void;
}

export interface RunningServer {
  close(): Promise<void>;
}

/** A server stream whose client lets more than this pile up is cancelled. */
const MAX_STREAM_BUFFER = 32 * 1024 * 1024;
const H2_CANCEL = 0x8;
const GRPC_RESPONSE_HEADERS: Headers = { ':status': '200', 'content-type': 'application/grpc' };

type AnyHandler = (req: unknown, ctx: CallContext, send: (res: unknown) => void) => Promise<unknown>;
interface Route {
  name: MethodName;
  def: MethodDef<unknown, unknown>;
  handler: AnyHandler | undefined;
  /** The response's encoder: the method's kept-parts encoder (response-encoders.ts) or the generated one. */
  encode: (res: unknown) => Uint8Array;
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningServer> {
  const routes = new Map<string, Route>();
  const table = opts.handlers as Record<string, AnyHandler | undefined>;
  for (const [name, def] of Object.entries(methods) as [MethodName, MethodDef<unknown, unknown>][]) {
    const kept = responseEncoder(name) as ((res: unknown) => Uint8Array) | undefined;
    routes.set(def.path, { name, def, handler: table[name], encode: kept ?? ((res) => def.response.encode(res).finish()) });
  }
  await prepareSocketPath(opts.socketPath);
  const connections = new Map<Socket, H2ServerConnection>();
  const net = createServer((socket) => {
    connections.set(socket, new H2ServerConnection(socket, (stream) => serveStream(stream, routes, opts)));
    socket.once('close', () => connections.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(opts.socketPath, () => {
      net.off('error', reject);
      resolve();
    });
  });
  await chmod(opts.socketPath, 0o660);
  return {
    close: async () => {
      await closeNet(net, connections);
      await unlink(opts.socketPath).catch(() => undefined);
    },
  };
}

function closeNet(net: NetServer, connections: Map<Socket, H2ServerConnection>): Promise<void> {
  return new Promise((resolve) => {
    net.close(() => resolve());
    for (const c of connections.values()) c.goAway();
  });
}

/** Creates the socket's directory; replaces a stale socket; refuses a live one. */
export async function prepareSocketPath(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o711 });
  const live = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (live) {
    throw new BerthError(Code.AlreadyExists, 'api', `${path}: another process (a running berthd?) is serving this socket; stop it or choose another --listen`);
  }
  try {
    await unlink(path);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw new BerthError(Code.Internal, 'api', `${path}: cannot remove stale socket: ${errorMessage(e)}`);
  }
}

function serveStream(stream: H2ServerStream, routes: Map<string, Route>, opts: GrpcServerOptions): void {
  const headers = stream.headers;
  const path = headers[':path'] ?? '';
  const contentType = headers['content-type'] ?? '';
  if (headers[':method'] !== 'POST' || !contentType.startsWith('application/grpc')) {
    stream.respond({ ':status': '415', 'content-type': 'text/plain' }, true);
    return;
  }
  const route = routes.get(path);
  if (!route?.handler) {
    const name = route?.name ?? path;
    trailersOnly(stream, Code.Unimplemented, route ? `${name} is not implemented by berth yet` : `unknown method ${path}`);
    return;
  }
  if (headers['grpc-encoding'] && headers['grpc-encoding'] !== 'identity') {
    trailersOnly(stream, Code.Unimplemented, `grpc-encoding ${headers['grpc-encoding']} is not supported`);
    return;
  }
  const ac = new AbortController();
  const deadlineMs = parseTimeout(headers['grpc-timeout']);
  let timer: NodeJS.Timeout | undefined;
  if (deadlineMs !== undefined) {
    timer = setTimeout(() => ac.abort(), deadlineMs);
    timer.unref();
  }
  stream.onClose = () => {
    if (timer) clearTimeout(timer);
    ac.abort();
  };
  readMessage(stream, opts.maxMessageSize).then(
    (body) => dispatch(stream, route, body, { signal: ac.signal, method: route.name }, opts),
    (e: unknown) => trailersOnly(stream, e instanceof BerthError ? e.code : Code.Internal, errorMessage(e)),
  );
}

async function dispatch(stream: H2ServerStream, route: Route, body: Buffer, ctx: CallContext, opts: GrpcServerOptions): Promise<void> {
  const started = process.hrtime.bigint();
  let req: unknown;
  try {
    req = route.def.request.decode(body);
  } catch (e) {
    trailersOnly(stream, Code.InvalidArgument, `cannot decode ${route.name} request: ${errorMessage(e)}`);
    return;
  }
  const send = (res: unknown): void => {
    if (stream.closed) return;
    const framed = encodeFramed(route, res);
    if (framed.length - 5 > opts.maxMessageSize) {
      throw new BerthError(Code.ResourceExhausted, 'api', `${route.name} response of ${framed.length - 5} bytes exceeds the ${opts.maxMessageSize}-byte limit`);
    }
    stream.respond(GRPC_RESPONSE_HEADERS);
    stream.write(framed);
    if (stream.buffered > MAX_STREAM_BUFFER) {
      opts.log.warn('dropping a stream whose client does not read', { method: route.name, buffered: stream.buffered });
      stream.reset(H2_CANCEL);
    }
  };
  const finish = (code: Code, message: string): void => {
    if (stream.closed) return;
    if (!stream.sentHeaders) {
      trailersOnly(stream, code, message);
      return;
    }
    stream.end(statusTrailers(code, message));
  };
  const scope = opts.observer?.begin(route.name, stream.headers, req);
  try {
    const call = (): Promise<unknown> => route.handler!(req, ctx, send);
    const res = await (scope ? scope.run(call) : call());
    if (!route.def.serverStream) send(res);
    opts.log.debug('rpc', { method: route.name, ms: msSince(started) });
    finish(Code.OK, '');
    scope?.end(Code.OK, '', res);
  } catch (e) {
    const status = toStatus(e);
    if (!ctx.signal.aborted || status.code !== Code.Cancelled) {
      opts.log.warn('rpc failed', { method: route.name, code: Code[status.code], error: status.details, ms: msSince(started) });
    }
    finish(status.code, status.details);
    scope?.end(status.code, status.details, undefined);
  }
}

/** Collects the single request message (5-byte prefix + body). */
function readMessage(stream: H2ServerStream, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let len = 0;
    let over = false;
    stream.onData = (b: Buffer) => {
      if (over) return;
      len += b.length;
      if (len > max + 5) {
        over = true;
        reject(new BerthError(Code.ResourceExhausted, 'api', `request larger than the ${max}-byte limit`));
        return;
      }
      chunks.push(b);
    };
    stream.onEnd = () => {
      if (over) return;
      const all = Buffer.concat(chunks, len);
      if (all.length < 5) {
        reject(new BerthError(Code.Internal, 'api', 'request without a gRPC message'));
        return;
      }
      if (all[0] !== 0) {
        reject(new BerthError(Code.Unimplemented, 'api', 'compressed requests are not supported'));
        return;
      }
      const size = all.readUInt32BE(1);
      if (all.length < 5 + size) {
        reject(new BerthError(Code.Internal, 'api', 'truncated gRPC message'));
        return;
      }
      resolve(all.subarray(5, 5 + size));
    };
  });
}

function trailersOnly(stream: H2ServerStream, code: Code, message: string): void {
  if (stream.closed || stream.sentHeaders) return;
  stream.respond({ ...GRPC_RESPONSE_HEADERS, ...statusTrailers(code, message) }, true);
}

/**
 * Longest grpc-message sent. Errors may quote the request (a 1 MB id), and a
 * header block above Node's 64 KiB send limit makes it reset the stream and
 * drop the connection with every other call on it.
 */
const MAX_STATUS_MESSAGE = 4096;

function statusTrailers(code: Code, message: string): Record<string, string> {
  const t: Record<string, string> = { 'grpc-status': String(code) };
  const short = message.length > MAX_STATUS_MESSAGE ? `${message.slice(0, MAX_STATUS_MESSAGE)}… (${message.length - MAX_STATUS_MESSAGE} more characters)` : message;
  if (message) t['grpc-message'] = encodeMessage(short);
  return t;
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec). */
export function encodeMessage(m: string): string {
  return m.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate: send U+FFFD
    }
  });
}

/** grpc-timeout: an integer and a unit (H M S m u n). */
export function parseTimeout(v: string | undefined): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const ms: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
  return n * (ms[m[2] as string] as number);
}

/**
 * Frozen responses are the handlers' promise that the same object means the
 * same answer (ListImages while no image changed): their framed encoding is
 * kept and sent again — 41 KB of protobuf for 200 images, ~0.3 ms a call.
 */
const frozenEncodings = new WeakMap<object, Buffer>();

function encodeFramed(route: Route, res: unknown): Buffer {
  const frozen = typeof res === 'object' && res !== null && Object.isFrozen(res);
  if (frozen) {
    const hit = frozenEncodings.get(res);
    if (hit) return hit;
  }
  const framed = frame(route.encode(res));
  if (frozen) frozenEncodings.set(res, framed);
  return framed;
}

function frame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}

/** Any thrown value → gRPC status; BerthErrors keep their code, others are Internal. */
export function toStatus(err: unknown): { code: Code; details: string } {
  if (err instanceof BerthError) return { code: err.code, details: err.message };
  return { code: Code.Internal, details: `internal: ${errorMessage(err)}` };
}

function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

