// The opt-in HTTP listener Prometheus scrapes: GET /metrics only, on its own
// TCP address (never the CRI socket, whose clients may run pods). Loopback
// unless [metrics] allow_remote: the series name methods and failure causes
// of the node, which an operator should expose on purpose.
import { isIP } from 'node:net';
import { BerthError, Code, errorMessage } from '../util/errors.js';
import type { MetricsSink } from './sinks.js';

export interface MetricsServer {
  /** The bound address, e.g. 127.0.0.1:9537 (the port chosen when 0 was asked). */
  address: string;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen);
  if (!m) throw new BerthError(Code.InvalidArgument, 'config', `metrics.listen "${listen}": must be host:port`);
  return { host: (m[1] ?? m[2]) as string, port: Number(m[3]) };
}

/** Loopback by address (127.0.0.0/8, ::1) or the name localhost. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export async function startMetricsServer(listen: string, allowRemote: boolean, sink: MetricsSink): Promise<MetricsServer> {
  const { host, port } = parseListen(listen);
  if (!allowRemote && !isLoopback(host)) {
    throw new BerthError(
      Code.InvalidArgument,
      'config',
      `metrics.listen "${listen}" is not a loopback address; set metrics.allow_remote = true to serve metrics beyond this node`,
    );
  }
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('berthd serves only GET /metrics here\n');
      return;
    }
    sink.scrape().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(req.method === 'HEAD' ? undefined : body),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${errorMessage(e)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new BerthError(Code.Unavailable, 'config', `metrics.listen "${listen}": ${errorMessage(e)}`)));
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  const bound = a && typeof a === 'object' ? (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`) : listen;
  return {
    address: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
