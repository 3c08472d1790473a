// The top layers of the registry client for one repository: mirrors with
// fallback (each endpoint tried in order), retry, auth, and the v2 API calls
// a pull makes (manifest by tag or digest, blob). An insecure origin reached
// over https that does not speak TLS is retried over plain http.
import { createHash } from 'node:crypto';
import type { RegistryHost } from '../../config/schema.js';
import { BerthError, Code } from '../../util/errors.js';
import { Authorizer, unauthenticated, type AuthTarget } from './auth.js';
import { credentialsFromFiles, type Credentials } from './credentials.js';
import { endpointsFor, type Endpoint } from './endpoints.js';
import { DEFAULT_RETRY, RetryableStatus, retryAfterMs, withRetry, type RetryPolicy } from './retry.js';
import { DEFAULT_TIMEOUTS, TransportError, readBody, sendFollowingRedirects, type HttpResponse, type Timeouts } from './transport.js';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  // Accepted so that we can refuse them clearly rather than get a 404.
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.docker.distribution.manifest.v1+json',
];
const MAX_MANIFEST = 4 << 20;

/** Shared by every pull: configuration, token cache, http-downgrade memory. */
export class RegistryClient {
  readonly authorizer = new Authorizer();
  readonly plainHttp = new Set<string>();

  constructor(
    readonly opts: {
      registries: () => Readonly<Record<string, RegistryHost>>;
      authFiles: readonly string[];
      timeouts?: Timeouts;
      retry?: RetryPolicy;
      onFallback?: (from: Endpoint, error: unknown) => void;
    },
  ) {}

  repository(domain: string, path: string, creds: Credentials | undefined, signal?: AbortSignal): Repository {
    return new Repository(this, domain, path, creds, signal);
  }
}

export interface FetchedManifest {
  body: Buffer;
  mediaType: string;
  digest: string;
  /** The endpoint that served it. */
  host: string;
}

export class Repository {
  private readonly endpoints: Endpoint[];
  private readonly scope: string;

  constructor(
    private readonly client: RegistryClient,
    readonly domain: string,
    readonly path: string,
    private readonly creds: Credentials | undefined,
    private readonly signal?: AbortSignal,
  ) {
    this.endpoints = endpointsFor(domain, client.opts.registries());
    this.scope = `repository:${path}:pull`;
  }

  /** By tag or digest; the body's digest is checked when the reference is one. */
  async getManifest(reference: string): Promise<FetchedManifest> {
    const what = `${this.domain}/${this.path}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    return this.firstEndpoint(what, async (ep) => {
      const res = await this.get(ep, `manifests/${reference}`, { Accept: MANIFEST_TYPES.join(', ') }, what);
      const body = await readBody(res, MAX_MANIFEST).catch((e: unknown) => {
        if (e instanceof TransportError && e.errno === 'ETOOBIG') throw new BerthError(Code.ResourceExhausted, 'image', `manifest ${what} from ${ep.host}: larger than ${MAX_MANIFEST} bytes; refused`);
        throw e;
      });
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      if (reference.startsWith('sha256:') && digest !== reference) {
        throw new BerthError(Code.DataLoss, 'image', `manifest ${what} from ${ep.host}: content is ${digest}; discarded`);
      }
      const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
      return { body, mediaType, digest, host: ep.host };
    });
  }

  /** A blob's response, status 200, body not yet read. */
  async openBlob(digest: string): Promise<HttpResponse> {
    const what = `blob ${digest} of ${this.domain}/${this.path}`;
    return this.firstEndpoint(what, (ep) => this.get(ep, `blobs/${digest}`, {}, what));
  }

  /** A small blob read whole (config); the caller verifies it. */
  async readBlob(digest: string, max: number): Promise<Buffer> {
    const res = await this.openBlob(digest);
    return readBody(res, max);
  }

  private async firstEndpoint<T>(what: string, op: (ep: Endpoint) => Promise<T>): Promise<T> {
    const failures: string[] = [];
    for (const ep of this.endpoints) {
      try {
        return await op(ep);
      } catch (e) {
        if (!ep.mirror) {
          if (failures.length && e instanceof BerthError) throw new BerthError(e.code, 'image', `${e.message.replace(/^image: /, '')} (mirrors: ${failures.join('; ')})`);
          throw e;
        }
        this.client.opts.onFallback?.(ep, e);
        failures.push(`${ep.host}: ${e instanceof Error ? e.message.replace(/^image: /, '') : String(e)}`);
      }
    }
    throw new BerthError(Code.Internal, 'image', `${what}: no endpoint`);
  }

  /** GET with retry and auth; returns a 200 response or throws a BerthError naming the registry. */
  private async get(ep: Endpoint, suffix: string, headers: Record<string, string>, what: string): Promise<HttpResponse> {
    const retry = this.client.opts.retry ?? DEFAULT_RETRY;
    try {
      return await withRetry(() => this.getOnce(ep, suffix, headers, what), retry, this.signal);
    } catch (e) {
      throw this.mapError(ep, e, what);
    }
  }

  private async getOnce(ep: Endpoint, suffix: string, headers: Record<string, string>, what: string): Promise<HttpResponse> {
    const target: AuthTarget = {
      host: ep.host,
      scope: this.scope,
      creds: await this.credsFor(ep),
      insecureTls: ep.insecure,
      timeouts: this.client.opts.timeouts ?? DEFAULT_TIMEOUTS,
      ...(this.signal ? { signal: this.signal } : {}),
    };
    const auth = this.client.authorizer.preemptive(target);
    let res = await this.send(ep, suffix, auth ? { ...headers, Authorization: auth } : headers, target);
    if (res.status === 401) {
      res.body.resume();
      if (auth) this.client.authorizer.invalidate(target);
      const answer = await this.client.authorizer.answer(target, firstHeader(res.headers['www-authenticate']));
      res = await this.send(ep, suffix, { ...headers, Authorization: answer }, target);
      if (res.status === 401) {
        res.body.resume();
        this.client.authorizer.invalidate(target);
        throw unauthenticated(target, `${target.creds ? 'credentials rejected' : 'authentication required'} for ${this.domain}/${this.path}`);
      }
    }
    if (res.status === 200) return res;
    const body = (await readBody(res, 64 << 10).catch(() => Buffer.alloc(0))).toString('utf8');
    const detail = registryMessage(body);
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      throw new RetryableStatus(res.status, retryAfterMs(res.headers['retry-after']), `registry ${ep.host} answered HTTP ${res.status} for ${what}${detail}`);
    }
    if (res.status === 404) throw new BerthError(Code.NotFound, 'image', `${what}: not found in registry ${ep.host}${detail}`);
    if (res.status === 403) throw new BerthError(Code.PermissionDenied, 'image', `registry ${ep.host}: access to ${this.domain}/${this.path} denied${detail}`);
    throw new BerthError(Code.Unknown, 'image', `registry ${ep.host} answered HTTP ${res.status} for ${what}${detail}`);
  }

  private async send(ep: Endpoint, suffix: string, headers: Record<string, string>, t: AuthTarget): Promise<HttpResponse> {
    const rel = `/v2/${this.path}/${suffix}`;
    const plain = this.client.plainHttp.has(ep.base);
    const base = plain ? ep.base.replace(/^https:/, 'http:') : ep.base;
    try {
      return await sendFollowingRedirects({ method: 'GET', url: new URL(`${base}${rel}`), headers, insecureTls: ep.insecure, timeouts: t.timeouts, ...(this.signal ? { signal: this.signal } : {}) });
    } catch (e) {
      // An insecure registry that answers https with plain http.
      if (ep.insecure && !plain && base.startsWith('https:') && e instanceof TransportError && /EPROTO|SSL|ECONNRESET/.test(`${e.errno} ${e.message}`)) {
        this.client.plainHttp.add(ep.base);
        return this.send(ep, suffix, headers, t);
      }
      throw e;
    }
  }

  /** Read once per pull and endpoint (auth files may change between pulls). */
  private readonly fileCreds = new Map<string, Promise<Credentials | undefined>>();

  private async credsFor(ep: Endpoint): Promise<Credentials | undefined> {
    // Credentials given for the registry go to the registry only, not to its mirrors.
    if (!ep.mirror && this.creds) return this.creds;
    let p = this.fileCreds.get(ep.host);
    if (!p) {
      p = credentialsFromFiles(this.client.opts.authFiles, ep.host).catch((e: unknown) => {
        throw new BerthError(Code.FailedPrecondition, 'image', e instanceof Error ? e.message : String(e));
      });
      this.fileCreds.set(ep.host, p);
    }
    return p;
  }

  private mapError(ep: Endpoint, e: unknown, what: string): BerthError {
    if (e instanceof BerthError) return e;
    if (e instanceof RetryableStatus) return new BerthError(Code.Unavailable, 'image', e.message);
    if (e instanceof TransportError || (e instanceof Error && e.name === 'AbortError')) {
      if (this.signal?.aborted) return new BerthError(Code.Cancelled, 'image', `${what}: pull cancelled`);
      return new BerthError(Code.Unavailable, 'image', `cannot reach registry ${ep.host} (${ep.base}) for ${what}: ${e.message}`);
    }
    return new BerthError(Code.Internal, 'image', `registry ${ep.host}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function firstHeader(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

/** The distribution error body's first message, as ": CODE: message". */
function registryMessage(body: string): string {
  try {
    const j = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    const e = j.errors?.[0];
    if (e) return `: ${e.code ?? ''}${e.message ? `: ${e.message}` : ''}`;
  } catch {
    /* not JSON */
  }
  return body.trim() ? `: ${body.trim().slice(0, 200)}` : '';
}
