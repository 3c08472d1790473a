// The typed CRI client used by berthctl, berth and the tests. Works against
// any CRI v1 endpoint (berthd, containerd, CRI-O).
import { methods, type MethodDef, type RequestOf, type ResponseOf, type StreamMethodName, type UnaryMethodName } from '../api/methods.js';
import type { DeepPartial } from '../api/gen/api.js';
import { GrpcTransport, type CallOptions } from './grpc-transport.js';

export { GrpcStatusError } from './grpc-transport.js';

export class CriClient {
  readonly transport: GrpcTransport;

  constructor(endpoint: string, readonly defaultTimeoutMs?: number) {
    this.transport = new GrpcTransport(socketPathOf(endpoint));
  }

  async call<M extends UnaryMethodName>(method: M, req: DeepPartial<RequestOf<M>> = {} as DeepPartial<RequestOf<M>>, opts: CallOptions = {}): Promise<ResponseOf<M>> {
    const def = methods[method] as unknown as MethodDef<RequestOf<M>, ResponseOf<M>>;
    const body = def.request.encode(def.request.fromPartial(req)).finish();
    const res = await this.transport.unary(def.path, body, this.withDefaults(opts));
    return def.response.decode(res);
  }

  async stream<M extends StreamMethodName>(
    method: M,
    req: DeepPartial<RequestOf<M>>,
    onMessage: (res: ResponseOf<M>) => void,
    opts: CallOptions = {},
  ): Promise<void> {
    const def = methods[method] as unknown as MethodDef<RequestOf<M>, ResponseOf<M>>;
    const body = def.request.encode(def.request.fromPartial(req)).finish();
    await this.transport.serverStream(def.path, body, (m) => onMessage(def.response.decode(m)), opts);
  }

  close(): void {
    this.transport.close();
  }

  private withDefaults(opts: CallOptions): CallOptions {
    return opts.timeoutMs === undefined && this.defaultTimeoutMs !== undefined ? { ...opts, timeoutMs: this.defaultTimeoutMs } : opts;
  }
}

/** unix:///run/x.sock or /run/x.sock → /run/x.sock */
export function socketPathOf(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint.slice('unix://'.length);
  if (endpoint.startsWith('/')) return endpoint;
  throw new Error(`unsupported CRI endpoint "${endpoint}": use unix:///path/to.sock`);
}
