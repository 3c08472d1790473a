// A minimal Docker registry token server (the "auth.token" realm): checks
// basic credentials and returns an ES256 JWT that grants what was asked.
// The signing certificate travels in the JWT's x5c header; distribution
// accepts it because the same self-signed cert is its rootcertbundle.
import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Credentials } from './client.js';
import { opensslSelfSigned } from './tools.js';

export const TOKEN_SERVICE = 'berth-test-registry';
export const TOKEN_ISSUER = 'berth-test-token-issuer';

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate the registry must trust (rootcertbundle). */
  certFile: string;
  /** Tokens issued so far (tests can check the bearer dance happened). */
  issued(): number;
  stop(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** "repository:busybox:pull,push" → access entry ("type:name:actions", name may hold ':'). */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function jwt(key: KeyObject, certDer: string, subject: string, access: Access[]): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer] };
  const claims = { iss: TOKEN_ISSUER, sub: subject, aud: TOKEN_SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  // JWS wants r||s, not DER.
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

function basicUser(header: string | undefined): Credentials | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const s = Buffer.from(m[1], 'base64').toString('utf8');
  const i = s.indexOf(':');
  return i < 0 ? undefined : { username: s.slice(0, i), password: s.slice(i + 1) };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startTokenServer(dir: string, creds: Credentials): Promise<TokenServer> {
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.crt');
  await opensslSelfSigned(keyFile, certFile, TOKEN_ISSUER);
  const key = createPrivateKey(await readFile(keyFile));
  const certDer = new X509Certificate(await readFile(certFile)).raw.toString('base64');
  let issued = 0;

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://token');
      if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) return reply(res, 404, { error: 'not found' });
      // GET (docker/distribution clients) or POST form (containerd's OAuth2 password grant).
      let params = url.searchParams;
      let user = basicUser(req.headers.authorization);
      if (req.method === 'POST') {
        params = new URLSearchParams(await readBody(req));
        if (params.get('grant_type') !== 'password') return reply(res, 400, { error: 'unsupported_grant_type' });
        user = { username: params.get('username') ?? '', password: params.get('password') ?? '' };
      }
      if (params.get('service') !== TOKEN_SERVICE) return reply(res, 400, { error: `unknown service ${params.get('service')}` });
      if (user && (user.username !== creds.username || user.password !== creds.password)) {
        res.setHeader('WWW-Authenticate', 'Basic realm="berth-test-token"');
        return reply(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
      }
      // Anonymous callers get a token with no access, as a private registry would.
      const scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      const access = user ? scopes.map(parseScope).filter((a): a is Access => a !== undefined) : [];
      const token = jwt(key, certDer, user?.username ?? '', access);
      issued++;
      reply(res, 200, { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() });
    })().catch((e: unknown) => reply(res, 500, { error: String(e) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service: TOKEN_SERVICE,
    issuer: TOKEN_ISSUER,
    certFile,
    issued: () => issued,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
