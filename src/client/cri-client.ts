// The typed CRI client used by berthctl, berth and the tests. Works against
// any CRI v1 endpoint (berthd, containerd, CRI-O). Methods are passed as
// definitions from api/methods.ts so a bundle keeps only the codecs it uses:
//   import { Version } from '../api/methods.js';
//   await client.call(Version, { version: 'v1' });
import type { MethodDef } from '../api/methods.js';
import type { DeepPartial } from '../api/gen/api.js';
import { GrpcTransport, type CallOptions } from './grpc-transport.js';

export { GrpcStatusError } from './grpc-transport.js';
export type { CallOptions } from './grpc-transport.js';

export class CriClient {
  readonly transport: GrpcTransport;

  constructor(
    endpoint: string,
    readonly defaultTimeoutMs?: number,
  ) {
    this.transport = new GrpcTransport(socketPathOf(endpoint));
  }

  async call<Req, Res>(method: MethodDef<Req, Res, false>, req: DeepPartial<Req>, opts: CallOptions = {}): Promise<Res> {
    const body = method.request.encode(method.request.fromPartial(req)).finish();
    const res = await this.transport.unary(method.path, body, this.withDefaults(opts));
    return method.response.decode(res);
  }

  async stream<Req, Res>(method: MethodDef<Req, Res, true>, req: DeepPartial<Req>, onMessage: (res: Res) => void, opts: CallOptions = {}): Promise<void> {
    const body = method.request.encode(method.request.fromPartial(req)).finish();
    await this.transport.serverStream(method.path, body, (m) => onMessage(method.response.decode(m)), opts);
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
