// The auth layer of the registry client: answers WWW-Authenticate
// challenges. Bearer: a token from the realm (anonymous, Basic credentials,
// or an identity/refresh token), cached per endpoint, scope and credential
// until it expires. Basic: credentials sent as they are, and pre-emptively
// afterwards. Failures name the registry.
import { BerthError, Code } from '../../util/errors.js';
import { credentialKey, type Credentials } from './credentials.js';
import { readBody, sendFollowingRedirects, type Timeouts } from './transport.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="…",service="…",scope="…"` (first challenge only; quoted or bare values). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m?.[1]) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] ?? '').matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[(p[1] ?? '').toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme: m[1].toLowerCase(), params };
}

const TOKEN_DEFAULT_TTL_S = 60;
const TOKEN_EARLY_EXPIRY_MS = 5_000;

export class TokenCache {
  private readonly tokens = new Map<string, { header: string; expires: number }>();

  get(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (!t) return undefined;
    if (Date.now() >= t.expires) {
      this.tokens.delete(key);
      return undefined;
    }
    return t.header;
  }

  set(key: string, header: string, ttlSeconds: number): void {
    this.tokens.set(key, { header, expires: Date.now() + Math.max(0, ttlSeconds * 1000 - TOKEN_EARLY_EXPIRY_MS) });
  }

  get size(): number {
    return this.tokens.size;
  }
}

export interface AuthTarget {
  /** Registry host named in errors and used as cache key. */
  host: string;
  scope: string;
  creds: Credentials | undefined;
  insecureTls: boolean;
  timeouts: Timeouts;
  signal?: AbortSignal;
}

export class Authorizer {
  private readonly basicHosts = new Set<string>();
  /** Tokens fetched from realms (observable in tests). */
  fetched = 0;

  constructor(readonly tokens = new TokenCache()) {}

  /** An Authorization header to send before any challenge, if we already know one. */
  preemptive(t: AuthTarget): string | undefined {
    if (t.creds?.kind === 'bearer') return `Bearer ${t.creds.token}`;
    const cached = this.tokens.get(cacheKey(t));
    if (cached) return cached;
    if (t.creds?.kind === 'basic' && this.basicHosts.has(t.host)) return basic(t.creds.username, t.creds.password);
    return undefined;
  }

  /** The header answering `header` (a WWW-Authenticate value); throws Unauthenticated when we cannot. */
  async answer(t: AuthTarget, header: string | undefined): Promise<string> {
    const ch = header ? parseChallenge(header) : undefined;
    if (ch?.scheme === 'basic') {
      if (t.creds?.kind !== 'basic') throw unauthenticated(t, t.creds ? 'it asks for a username and password' : 'authentication required and no credentials were given');
      this.basicHosts.add(t.host);
      return basic(t.creds.username, t.creds.password);
    }
    if (ch?.scheme !== 'bearer' || !ch.params.realm) throw unauthenticated(t, `unsupported challenge "${header ?? ''}"`);
    const header2 = await this.fetchToken(t, ch.params);
    return header2;
  }

  /** Forget what was cached for this target (its token was refused). */
  invalidate(t: AuthTarget): void {
    this.tokens.set(cacheKey(t), '', 0);
  }

  private async fetchToken(t: AuthTarget, p: Record<string, string>): Promise<string> {
    let realm: URL;
    try {
      realm = new URL(p.realm ?? '');
    } catch {
      throw unauthenticated(t, `bad token realm "${p.realm ?? ''}"`);
    }
    const scope = p.scope ?? t.scope;
    const c = t.creds;
    const res =
      c?.kind === 'identity'
        ? await sendFollowingRedirects({
            method: 'POST',
            url: realm,
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.token, service: p.service ?? '', scope, client_id: 'berth' }).toString(),
            insecureTls: t.insecureTls,
            timeouts: t.timeouts,
            ...(t.signal ? { signal: t.signal } : {}),
          })
        : await sendFollowingRedirects({
            method: 'GET',
            url: withParams(realm, { ...(p.service !== undefined ? { service: p.service } : {}), scope }),
            headers: c?.kind === 'basic' ? { Authorization: basic(c.username, c.password) } : {},
            insecureTls: t.insecureTls,
            timeouts: t.timeouts,
            ...(t.signal ? { signal: t.signal } : {}),
          });
    const body = await readBody(res, 1 << 20);
    if (res.status === 401 || res.status === 403) {
      throw new BerthError(res.status === 401 ? Code.Unauthenticated : Code.PermissionDenied, 'image', `registry ${t.host}: token server ${realm.origin} refused ${c ? 'the credentials' : 'anonymous access'} (HTTP ${res.status})`);
    }
    if (res.status !== 200) throw new BerthError(Code.Unavailable, 'image', `registry ${t.host}: token server ${realm.origin} answered HTTP ${res.status}`);
    let json: { token?: string; access_token?: string; expires_in?: number };
    try {
      json = JSON.parse(body.toString('utf8')) as typeof json;
    } catch {
      throw new BerthError(Code.Unavailable, 'image', `registry ${t.host}: token server ${realm.origin} sent no JSON`);
    }
    const token = json.token ?? json.access_token;
    if (!token) throw new BerthError(Code.Unavailable, 'image', `registry ${t.host}: token server ${realm.origin} sent no token`);
    this.fetched++;
    const header = `Bearer ${token}`;
    this.tokens.set(cacheKey(t), header, typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : TOKEN_DEFAULT_TTL_S);
    return header;
  }
}

function cacheKey(t: AuthTarget): string {
  return `${t.host}|${t.scope}|${credentialKey(t.creds)}`;
}

function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

function withParams(u: URL, params: Record<string, string>): URL {
  const out = new URL(u);
  for (const [k, v] of Object.entries(params)) out.searchParams.set(k, v);
  return out;
}

export function unauthenticated(t: Pick<AuthTarget, 'host'>, why: string): BerthError {
  return new BerthError(Code.Unauthenticated, 'image', `registry ${t.host}: ${why}`);
}
