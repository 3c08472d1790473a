// A loopback HTTP proxy in front of the test registry, for image tests that
// need to count requests, corrupt a blob on the wire, or stall a download.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RegistryProxy {
  host: string;
  url: string;
  /** "GET /v2/…" → count */
  hits: Map<string, number>;
  /** Blob digests whose bytes get one byte flipped. */
  corrupt: Set<string>;
  /** Blob digests of which only the first bytes are sent, then nothing. */
  stall: Set<string>;
  /** Blob digests whose next download is cut mid-stream (connection destroyed), once each. */
  cutOnce: Set<string>;
  /** Blob digests whose every download is cut mid-stream (a registry that keeps dropping). */
  cutAlways: Set<string>;
  /** Resolves once a stalled blob started flowing. */
  stalled: Promise<void>;
  /** Blob digests of which the first 4 KiB are sent, the rest once gateOpen(digest) is called. */
  gated: Set<string>;
  gateOpen(digest: string): void;
  blobGets(digest: string): number;
  close(): Promise<void>;
}

export async function startProxy(upstream: string): Promise<RegistryProxy> {
  const up = new URL(upstream);
  const hits = new Map<string, number>();
  const corrupt = new Set<string>();
  const stall = new Set<string>();
  const cutOnce = new Set<string>();
  const cutAlways = new Set<string>();
  let markStalled: () => void = () => undefined;
  const stalled = new Promise<void>((r) => (markStalled = r));
  const gated = new Set<string>();
  const gates = new Map<string, () => void>();
  const gate = (digest: string): Promise<void> => new Promise((r) => gates.set(digest, r));
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const key = `${req.method ?? 'GET'} ${path}`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
    const digest = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1];
    const fwd = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      if (digest && corrupt.has(digest) && ur.statusCode === 200) {
        const parts: Buffer[] = [];
        ur.on('data', (c: Buffer) => parts.push(c));
        ur.on('end', () => {
          const b = Buffer.concat(parts);
          b[Math.floor(b.length / 2)] ^= 0xff;
          res.end(b);
        });
      } else if (digest && (cutOnce.has(digest) || cutAlways.has(digest)) && ur.statusCode === 200) {
        cutOnce.delete(digest);
        ur.once('data', (c: Buffer) => {
          res.write(c.subarray(0, Math.min(c.length, 4096)), () => res.destroy());
          ur.destroy();
        });
      } else if (digest && gated.has(digest) && ur.statusCode === 200) {
        const opened = gate(digest);
        const parts: Buffer[] = [];
        ur.on('data', (c: Buffer) => parts.push(c));
        ur.on('end', () => {
          const b = Buffer.concat(parts);
          res.write(b.subarray(0, 4096));
          void opened.then(() => res.end(b.subarray(4096)));
        });
      } else if (digest && stall.has(digest) && ur.statusCode === 200) {
        ur.once('data', (c: Buffer) => {
          res.write(c.subarray(0, Math.min(c.length, 4096)));
          ur.destroy();
          markStalled();
        });
      } else ur.pipe(res);
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    hits,
    corrupt,
    stall,
    cutOnce,
    cutAlways,
    stalled,
    gated,
    gateOpen: (d) => {
      gated.delete(d);
      gates.get(d)?.();
    },
    blobGets: (d) => [...hits.entries()].filter(([k]) => k.startsWith('GET ') && k.endsWith(`/blobs/${d}`)).reduce((n, [, v]) => n + v, 0),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
