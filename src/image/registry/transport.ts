// The bottom layer of the registry client: one HTTP(S) exchange, with
// connect and inactivity timeouts, keep-alive agents, optional unverified
// TLS (insecure registries), and redirects (blob storage) followed with the
// Authorization header dropped when the origin changes.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';

export interface Timeouts {
  /** Time to establish a connection. */
  connectMs: number;
  /** Longest silence on an open connection (headers or body). */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, idleMs: 60_000 };

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  insecureTls?: boolean;
  signal?: AbortSignal;
  timeouts?: Timeouts;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** After redirects. */
  url: URL;
}

/** A failure below HTTP: connection refused, reset, timed out, TLS. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly errno: string,
  ) {
    super(message);
  }
}

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });
const insecureAgent = new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });

export function send(req: HttpRequest): Promise<HttpResponse> {
  const t = req.timeouts ?? DEFAULT_TIMEOUTS;
  const isHttps = req.url.protocol === 'https:';
  const mod = isHttps ? https : http;
  const agent = isHttps ? (req.insecureTls ? insecureAgent : httpsAgent) : httpAgent;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'User-Agent': 'berth', ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
    const r = mod.request(req.url, { method: req.method, headers, agent, signal: req.signal });
    let connected = false;
    const connectTimer = setTimeout(() => {
      if (!connected) r.destroy(new TransportError(`no connection after ${t.connectMs} ms`, 'ETIMEDOUT'));
    }, t.connectMs);
    r.on('socket', (s) => {
      // A reused keep-alive socket is already connected.
      if (!s.connecting) {
        connected = true;
        clearTimeout(connectTimer);
      } else {
        s.once(isHttps ? 'secureConnect' : 'connect', () => {
          connected = true;
          clearTimeout(connectTimer);
        });
      }
    });
    r.setTimeout(t.idleMs, () => r.destroy(new TransportError(`no data for ${t.idleMs} ms`, 'ETIMEDOUT')));
    r.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      reject(e instanceof TransportError ? e : new TransportError(e.message, e.code ?? e.name));
    });
    r.on('response', (res) => {
      clearTimeout(connectTimer);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url });
    });
    r.end(req.body);
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function sendFollowingRedirects(req: HttpRequest, max = 5): Promise<HttpResponse> {
  let cur = req;
  for (let i = 0; ; i++) {
    const res = await send(cur);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || !location) return res;
    res.body.resume();
    if (i >= max) throw new TransportError(`more than ${max} redirects from ${req.url.origin}`, 'EREDIRECT');
    const next = new URL(location, cur.url);
    const headers = { ...cur.headers };
    // Credentials for the registry are not for its blob storage.
    if (next.origin !== cur.url.origin) delete headers.Authorization;
    cur = { ...cur, url: next, headers, ...(res.status === 303 ? { method: 'GET' as const, body: undefined } : {}) };
  }
}

/** Reads a whole (small) body, refusing more than `max` bytes. */
export async function readBody(res: HttpResponse, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > max) {
      res.body.destroy();
      throw new TransportError(`response larger than ${max} bytes`, 'ETOOBIG');
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}
