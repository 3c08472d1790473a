// The gRPC server: builds the two CRI services from the method table, maps
// BerthErrors to gRPC status codes, and serves a unix socket whose connections
// it accepts itself (net.Server) and injects into grpc-js, so that each byte
// stream can be repaired first (old clients' :authority, see h2-authority.ts).
import * as grpc from '@grpc/grpc-js';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { methods, type MethodName, type RequestOf, type ResponseOf, type StreamMethodName, type UnaryMethodName } from './method-table.js';
import type { MethodDef, ServiceName } from './methods.js';
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
  /** Wraps each accepted connection before grpc-js sees it. */
  wrapConnection?: (socket: Socket) => import('node:stream').Duplex;
}

export interface RunningServer {
  close(): Promise<void>;
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxMessageSize,
    'grpc.max_send_message_length': opts.maxMessageSize,
  });
  for (const service of ['RuntimeService', 'ImageService'] as const) {
    server.addService(serviceDefinition(service), serviceImpl(service, opts.handlers, opts.log));
  }
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  await prepareSocketPath(opts.socketPath);
  const net = createServer((socket) => {
    injector.injectConnection(opts.wrapConnection ? opts.wrapConnection(socket) : socket);
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
    close: () => closeAll(net, server, injector, opts.socketPath),
  };
}

async function closeAll(net: NetServer, server: grpc.Server, injector: { destroy(): void }, path: string): Promise<void> {
  await new Promise<void>((resolve) => {
    net.close(() => resolve());
    injector.destroy();
    server.forceShutdown();
  });
  await unlink(path).catch(() => undefined);
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

function serviceDefinition(service: ServiceName): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of Object.values(methods) as MethodDef<unknown, unknown>[]) {
    if (m.service !== service) continue;
    def[m.name] = {
      path: m.path,
      requestStream: false,
      responseStream: m.serverStream,
      requestSerialize: (v: unknown) => Buffer.from(m.request.encode(v).finish()),
      requestDeserialize: (b: Buffer) => m.request.decode(b),
      responseSerialize: (v: unknown) => Buffer.from(m.response.encode(v).finish()),
      responseDeserialize: (b: Buffer) => m.response.decode(b),
    };
  }
  return def;
}

type AnyUnary = (req: unknown, ctx: CallContext) => Promise<unknown>;
type AnyStream = (req: unknown, ctx: CallContext, send: (res: unknown) => void) => Promise<void>;

function serviceImpl(service: ServiceName, handlers: Handlers, log: Logger): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  const table = handlers as Record<string, AnyUnary | AnyStream | undefined>;
  for (const [name, m] of Object.entries(methods) as [MethodName, MethodDef<unknown, unknown>][]) {
    if (m.service !== service) continue;
    const handler = table[name];
    impl[m.name] = m.serverStream
      ? streamImpl(name, handler as AnyStream | undefined, log)
      : unaryImpl(name, handler as AnyUnary | undefined, log);
  }
  return impl;
}

function unaryImpl(name: MethodName, handler: AnyUnary | undefined, log: Logger): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    if (!handler) {
      callback(unimplemented(name));
      return;
    }
    const ctx = callContext(name, call);
    const started = process.hrtime.bigint();
    handler(call.request, ctx).then(
      (res) => {
        log.debug('rpc', { method: name, ms: msSince(started) });
        callback(null, res);
      },
      (err: unknown) => {
        const status = toStatus(err);
        log.warn('rpc failed', { method: name, code: Code[status.code], error: status.details, ms: msSince(started) });
        callback(status);
      },
    );
  };
}

function streamImpl(name: MethodName, handler: AnyStream | undefined, log: Logger): grpc.handleServerStreamingCall<unknown, unknown> {
  return (call) => {
    if (!handler) {
      call.emit('error', unimplemented(name));
      return;
    }
    const ctx = callContext(name, call);
    handler(call.request, ctx, (res) => call.write(res)).then(
      () => call.end(),
      (err: unknown) => {
        const status = toStatus(err);
        if (!ctx.signal.aborted) log.warn('rpc stream failed', { method: name, error: status.details });
        call.emit('error', status);
      },
    );
  };
}

function callContext(method: MethodName, call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>): CallContext {
  const ac = new AbortController();
  call.on('cancelled', () => ac.abort());
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() - Date.now() : Number.isFinite(deadline) ? Number(deadline) - Date.now() : undefined;
  if (ms !== undefined && Number.isFinite(ms)) {
    const t = setTimeout(() => ac.abort(), Math.max(0, ms));
    t.unref();
    ac.signal.addEventListener('abort', () => clearTimeout(t), { once: true });
  }
  return { signal: ac.signal, method };
}

function unimplemented(name: MethodName): Partial<grpc.StatusObject> {
  return { code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented by berth yet` };
}

/** Any thrown value → gRPC status; BerthErrors keep their code, others are Internal. */
export function toStatus(err: unknown): Partial<grpc.StatusObject> & { code: number; details: string } {
  if (err instanceof BerthError) return { code: err.code as number as grpc.status, details: err.message };
  return { code: grpc.status.INTERNAL, details: `internal: ${errorMessage(err)}` };
}

function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
