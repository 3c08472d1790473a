// The registry client layers against local node http servers: token and
// Basic auth, token cache, redirects, retries, mirror fallback, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryClient } from '../../src/image/registry/repository.js';
import { parseChallenge } from '../../src/image/registry/auth.js';
import { authFileHost, credentialsFrom } from '../../src/image/registry/credentials.js';
import { endpointsFor } from '../../src/image/registry/endpoints.js';
import { readBody } from '../../src/image/registry/transport.js';
import { BerthError, Code } from '../../src/util/errors.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void;

async function serve(t: { after: (fn: () => Promise<void>) => void }, handler: Handler): Promise<{ host: string; url: string; hits: string[] }> {
  const hits: string[] = [];
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(`${req.method} ${url.pathname}${req.headers.authorization ? ` [${req.headers.authorization.split(' ')[0]}]` : ''}`);
    handler(req, res, url);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }));
  const port = (srv.address() as AddressInfo).port;
  return { host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, hits };
}

const body = Buffer.from('{"schemaVersion":2}');
const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

function client(registries: Record<string, { mirrors: string[]; insecure: boolean }> = {}): RegistryClient {
  return new RegistryClient({ registries: () => registries, authFiles: [], retry: fast, timeouts: { connectMs: 500, idleMs: 500 } });
}

function sendManifest(res: http.ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': digest });
  res.end(body);
}

test('bearer token flow: challenge, token with Basic credentials, cached per scope', async (t) => {
  let tokens = 0;
  const auth = await serve(t, (req, res, url) => {
    assert.equal(url.searchParams.get('scope'), 'repository:lib/app:pull');
    assert.equal(url.searchParams.get('service'), 'reg');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    tokens++;
    res.end(JSON.stringify({ token: 'T1', expires_in: 300 }));
  });
  const reg = await serve(t, (req, res) => {
    if (req.headers.authorization !== 'Bearer T1') {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${auth.url}/token",service="reg",scope="repository:lib/app:pull"` });
      res.end();
      return;
    }
    sendManifest(res);
  });
  const c = client();
  const repo = c.repository(reg.host, 'lib/app', credentialsFrom({ username: 'u', password: 'p' }));
  const m = await repo.getManifest('latest');
  assert.equal(m.digest, digest);
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  await repo.getManifest(digest);
  await c.repository(reg.host, 'lib/app', credentialsFrom({ username: 'u', password: 'p' })).getManifest('latest');
  assert.equal(tokens, 1, 'token reused for the same scope and credentials');
  assert.deepEqual(reg.hits.slice(0, 2), ['GET /v2/lib/app/manifests/latest', 'GET /v2/lib/app/manifests/latest [Bearer]']);
});

test('basic auth, and failures name the registry with the right code', async (t) => {
  const reg = await serve(t, (req, res, url) => {
    if (url.pathname.includes('forbidden')) {
      res.writeHead(403).end('{"errors":[{"code":"DENIED","message":"nope"}]}');
      return;
    }
    if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' }).end();
      return;
    }
    if (url.pathname.endsWith('/missing')) res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    else sendManifest(res);
  });
  const c = client();
  assert.equal((await c.repository(reg.host, 'a', credentialsFrom({ auth: Buffer.from('u:p').toString('base64') })).getManifest('t')).digest, digest);
  const expectCode = async (p: Promise<unknown>, code: Code, re: RegExp): Promise<void> => {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof BerthError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, re);
      return true;
    });
  };
  await expectCode(c.repository(reg.host, 'a', undefined).getManifest('t'), Code.Unauthenticated, new RegExp(`registry ${reg.host}.*no credentials`));
  await expectCode(c.repository(reg.host, 'a', credentialsFrom({ username: 'u', password: 'bad' })).getManifest('t'), Code.Unauthenticated, new RegExp(`registry ${reg.host}: credentials rejected`));
  await expectCode(c.repository(reg.host, 'forbidden', undefined).getManifest('t'), Code.PermissionDenied, /denied: DENIED: nope/);
  await expectCode(c.repository(reg.host, 'a', credentialsFrom({ username: 'u', password: 'p' })).getManifest('missing'), Code.NotFound, new RegExp(`${reg.host}/a:missing: not found`));
});

test('redirects are followed without the Authorization header to another origin', async (t) => {
  const storage = await serve(t, (req, res) => {
    assert.equal(req.headers.authorization, undefined);
    res.end('blobdata');
  });
  const reg = await serve(t, (req, res) => {
    res.writeHead(307, { Location: `${storage.url}/bucket/x?sig=1` }).end();
  });
  const c = client();
  const res = await c.repository(reg.host, 'a', { kind: 'bearer', token: 'tok' }).openBlob(digest);
  assert.equal((await readBody(res, 100)).toString(), 'blobdata');
  assert.deepEqual(storage.hits, ['GET /bucket/x']);
  assert.deepEqual(reg.hits, [`GET /v2/a/blobs/${digest} [Bearer]`]);
});

test('transient errors are retried with backoff; persistent ones fail as Unavailable', async (t) => {
  let n = 0;
  const flaky = await serve(t, (_req, res) => (++n < 3 ? res.writeHead(503).end() : sendManifest(res)));
  const c = client();
  assert.equal((await c.repository(flaky.host, 'a', undefined).getManifest('t')).digest, digest);
  assert.equal(n, 3);
  const down = await serve(t, (_req, res) => res.writeHead(502).end());
  await assert.rejects(c.repository(down.host, 'a', undefined).getManifest('t'), (e: unknown) => e instanceof BerthError && e.code === Code.Unavailable && /HTTP 502/.test(e.message));
  assert.equal(down.hits.length, 3);
});

test('an unreachable registry fails fast and bounded; a silent one times out', async (t) => {
  const c = client();
  const started = Date.now();
  await assert.rejects(c.repository('127.0.0.1:1', 'a', undefined).getManifest('t'), (e: unknown) => e instanceof BerthError && e.code === Code.Unavailable && /cannot reach registry 127\.0\.0\.1:1/.test(e.message));
  const silent = await serve(t, () => undefined);
  await assert.rejects(c.repository(silent.host, 'a', undefined).getManifest('t'), (e: unknown) => e instanceof BerthError && e.code === Code.Unavailable && /no data for 500 ms/.test(e.message));
  assert.ok(Date.now() - started < 5000, 'bounded');
});

test('mirrors are tried first, with fallback to the origin; names stay the origin\'s', async (t) => {
  const origin = await serve(t, (_req, res) => sendManifest(res));
  const empty = await serve(t, (_req, res) => res.writeHead(404).end());
  const good = await serve(t, (_req, res) => sendManifest(res));
  const c = client({ [origin.host]: { mirrors: ['http://127.0.0.1:1', `${empty.url}/v2/`, good.url], insecure: true } });
  const m = await c.repository(origin.host, 'lib/x', undefined).getManifest('t');
  assert.equal(m.host, good.host);
  assert.deepEqual(empty.hits, ['GET /v2/lib/x/manifests/t']);
  assert.equal(origin.hits.length, 0);
  const c2 = client({ [origin.host]: { mirrors: [empty.url], insecure: true } });
  assert.equal((await c2.repository(origin.host, 'lib/x', undefined).getManifest('t')).host, origin.host);
});

test('a manifest whose content does not match the digest asked for is refused', async (t) => {
  const reg = await serve(t, (_req, res) => sendManifest(res));
  const other = `sha256:${'0'.repeat(64)}`;
  await assert.rejects(client().repository(reg.host, 'a', undefined).getManifest(other), (e: unknown) => e instanceof BerthError && e.code === Code.DataLoss);
});

test('helpers: challenges, credentials, auth file hosts, endpoints', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  assert.deepEqual(parseChallenge('Basic realm=x'), { scheme: 'basic', params: { realm: 'x' } });
  assert.deepEqual(credentialsFrom({ registryToken: 'r' }), { kind: 'bearer', token: 'r' });
  assert.deepEqual(credentialsFrom({ identityToken: 'i', username: 'u' }), { kind: 'identity', username: 'u', token: 'i' });
  assert.equal(credentialsFrom({}), undefined);
  assert.equal(authFileHost('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(authFileHost('quay.io'), 'quay.io');
  assert.deepEqual(endpointsFor('docker.io', {}).map((e) => e.base), ['https://registry-1.docker.io']);
  assert.equal(endpointsFor('127.0.0.1:5000', {})[0]?.insecure, true);
  assert.equal(endpointsFor('quay.io', {})[0]?.insecure, false);
});

test('identity tokens are exchanged at the realm with a POST; registry tokens are sent as they are', async (t) => {
  const auth = await serve(t, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      assert.equal(req.method, 'POST');
      assert.equal(form.get('grant_type'), 'refresh_token');
      assert.equal(form.get('refresh_token'), 'REFRESH');
      assert.equal(form.get('scope'), 'repository:a:pull');
      res.end(JSON.stringify({ access_token: 'ACCESS' }));
    });
  });
  const reg = await serve(t, (req, res) => {
    if (req.headers.authorization === 'Bearer ACCESS' || req.headers.authorization === 'Bearer DIRECT') sendManifest(res);
    else res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${auth.url}/token",service="s"` }).end();
  });
  const c = client();
  assert.equal((await c.repository(reg.host, 'a', credentialsFrom({ identityToken: 'REFRESH', username: 'u' })).getManifest('t')).digest, digest);
  assert.equal((await c.repository(reg.host, 'a', credentialsFrom({ registryToken: 'DIRECT' })).getManifest('t')).digest, digest);
  assert.deepEqual(auth.hits, ['POST /token']);
});
