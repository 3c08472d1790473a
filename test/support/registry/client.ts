// A small distribution-API client for fixtures and test assertions (not the
// product's registry client): plain HTTP on loopback, with the 401 dance for
// Basic and Bearer (token) auth. Bodies are Buffers or files, so a retried
// request can be sent again.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { MediaType } from '../images/types.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Body = Buffer | { file: string };

export class RegistryError extends Error {
  constructor(what: string, readonly status: number, body: Buffer) {
    super(`registry: ${what}: HTTP ${status}: ${body.toString('utf8').slice(0, 500)}`);
  }
}

/** Every manifest type a pull should accept. */
export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest].join(', ');

export async function httpRequest(method: string, url: string, headers: Record<string, string>, body?: Body): Promise<HttpResponse> {
  const h: Record<string, string | number> = { ...headers };
  if (body) h['Content-Length'] = Buffer.isBuffer(body) ? body.length : (await stat(body.file)).size;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: h, timeout: 60_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`registry: ${method} ${url}: timed out`)));
    req.on('error', reject);
    if (!body) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else pipeline(createReadStream(body.file), req).catch(reject);
  });
}

/** Parse `Bearer realm="…",service="…",scope="…"` (or Basic realm=…). */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(/\s+/, 1)[0] ?? '';
  const params: Record<string, string> = {};
  for (const m of header.slice(scheme.length).matchAll(/(\w+)="([^"]*)"/g)) params[m[1] ?? ''] = m[2] ?? '';
  return { scheme: scheme.toLowerCase(), params };
}

export interface FetchedManifest {
  mediaType: string;
  /** sha256 of the bytes received (checked against Docker-Content-Digest). */
  digest: string;
  body: Buffer;
}

export class RegistryClient {
  private readonly base: string;
  private useBasic = false;
  private readonly tokens = new Map<string, string>();
  /** Number of times the 401 dance ran (tests assert auth really happened). */
  challenges = 0;

  constructor(baseUrl: string, private readonly creds?: Credentials) {
    this.base = baseUrl.replace(/\/$/, '');
  }

  private authHeader(scope: string): Record<string, string> {
    const token = this.tokens.get(scope);
    if (token) return { Authorization: `Bearer ${token}` };
    if (this.useBasic && this.creds) {
      return { Authorization: `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}` };
    }
    return {};
  }

  private async fetchToken(params: Record<string, string>, scope: string): Promise<string> {
    if (!params.realm) throw new Error('registry: Bearer challenge without realm');
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? scope);
    const headers: Record<string, string> = this.creds
      ? { Authorization: `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}` }
      : {};
    const res = await httpRequest('GET', url.toString(), headers);
    if (res.status !== 200) throw new RegistryError(`token from ${params.realm}`, res.status, res.body);
    const json = JSON.parse(res.body.toString('utf8')) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (!token) throw new Error('registry: token response without token');
    return token;
  }

  /** One request, authenticated for `scope`; answers a single 401 challenge. */
  async request(method: string, pathOrUrl: string, scope: string, headers: Record<string, string> = {}, body?: Body): Promise<HttpResponse> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const first = await httpRequest(method, url, { ...headers, ...this.authHeader(scope) }, body);
    const challenge = first.headers['www-authenticate'];
    if (first.status !== 401 || typeof challenge !== 'string') return first;
    this.challenges++;
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === 'basic') {
      if (!this.creds || this.useBasic) return first;
      this.useBasic = true;
    } else if (scheme === 'bearer') {
      this.tokens.set(scope, await this.fetchToken(params, scope));
    } else return first;
    return httpRequest(method, url, { ...headers, ...this.authHeader(scope) }, body);
  }

  async getManifest(repo: string, ref: string): Promise<FetchedManifest> {
    const res = await this.request('GET', `/v2/${repo}/manifests/${ref}`, `repository:${repo}:pull`, { Accept: MANIFEST_ACCEPT });
    if (res.status !== 200) throw new RegistryError(`GET manifest ${repo}:${ref}`, res.status, res.body);
    const digest = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
    const claimed = res.headers['docker-content-digest'];
    if (claimed && claimed !== digest) throw new Error(`registry: manifest ${repo}:${ref} digest ${digest} != header ${String(claimed)}`);
    if (ref.startsWith('sha256:') && ref !== digest) throw new Error(`registry: manifest ${repo}@${ref} has digest ${digest}`);
    const mediaType = String(res.headers['content-type'] ?? '');
    return { mediaType, digest, body: res.body };
  }

  async getBlob(repo: string, digest: string): Promise<Buffer> {
    const res = await this.request('GET', `/v2/${repo}/blobs/${digest}`, `repository:${repo}:pull`);
    if (res.status !== 200) throw new RegistryError(`GET blob ${repo}@${digest}`, res.status, res.body);
    const got = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
    if (got !== digest) throw new Error(`registry: blob ${repo}@${digest} arrived as ${got}`);
    return res.body;
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const res = await this.request('HEAD', `/v2/${repo}/blobs/${digest}`, `repository:${repo}:pull,push`);
    return res.status === 200;
  }

  /** Monolithic upload: POST to open a session, one PUT with the whole blob. */
  async uploadBlob(repo: string, digest: string, body: Body): Promise<void> {
    const scope = `repository:${repo}:pull,push`;
    const start = await this.request('POST', `/v2/${repo}/blobs/uploads/`, scope);
    const location = start.headers.location;
    if (start.status !== 202 || !location) throw new RegistryError(`start upload to ${repo}`, start.status, start.body);
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const put = await this.request('PUT', url.toString(), scope, { 'Content-Type': 'application/octet-stream' }, body);
    if (put.status !== 201) throw new RegistryError(`PUT blob ${repo}@${digest}`, put.status, put.body);
  }

  async putManifest(repo: string, ref: string, mediaType: string, body: Buffer): Promise<string> {
    const res = await this.request('PUT', `/v2/${repo}/manifests/${ref}`, `repository:${repo}:pull,push`, { 'Content-Type': mediaType }, body);
    if (res.status !== 201) throw new RegistryError(`PUT manifest ${repo}:${ref}`, res.status, res.body);
    return String(res.headers['docker-content-digest'] ?? '');
  }
}
