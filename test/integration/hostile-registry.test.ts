// Registries that lie or attack, served by a small HTTP server on loopback
// and pulled from through a real berthd: oversized manifests, endless
// redirects, content that does not match its digest (manifest, config,
// layer), a layer larger or endless beyond its descriptor, descriptors
// that claim what the blob is not. Each pull must fail with an error naming
// the image layer and the object, in bounded time, leaving no garbage, and
// berthd must serve on. What image-pull.test.ts, image-unpack.test.ts and
// test/unit/image-registry.test.ts already cover (a corrupted layer on the
// wire, retried cuts, hostile tar entries, a manifest not matching the
// digest it was asked by) is not repeated here.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ListImages, PullImage, Version } from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { writeTar } from '../support/images/build.js';
import { imageGarbage, startNode, stopNode, type Node } from '../support/reliability.js';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface Served {
  status?: number;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Writes the body itself (endless streams). */
  stream?: (res: http.ServerResponse) => void;
}

let n: Node;
let server: http.Server;
let host: string;
const routes = new Map<string, () => Served>();

before(async () => {
  server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/v2/') {
      res.writeHead(200).end('{}');
      return;
    }
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      return;
    }
    const s = route();
    res.writeHead(s.status ?? 200, s.headers ?? {});
    if (s.stream) s.stream(res);
    else res.end(s.body ?? Buffer.alloc(0));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  n = await startNode();
});
after(async () => {
  await stopNode(n);
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** An image in the fake registry: a real one-layer image whose parts the case may tamper with. */
function image(repo: string, tamper: { manifest?: (m: Record<string, unknown>) => void; config?: Buffer; layer?: Served } = {}): string {
  const tar = writeTar([{ type: 'file', path: 'hello', content: 'hello\n' }]);
  const layer = gzipSync(tar);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha(tar)] } }));
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
  };
  tamper.manifest?.(manifest);
  const mbody = Buffer.from(JSON.stringify(manifest));
  routes.set(`/v2/${repo}/manifests/latest`, () => ({ headers: { 'content-type': OCI_MANIFEST }, body: mbody }));
  routes.set(`/v2/${repo}/blobs/${sha(config)}`, () => ({ body: tamper.config ?? config }));
  routes.set(`/v2/${repo}/blobs/${sha(layer)}`, () => tamper.layer ?? { body: layer });
  return `${host}/${repo}:latest`;
}

interface Case {
  name: string;
  ref: () => string;
  code: Code;
  re: RegExp;
}

const cases: Case[] = [
  {
    name: 'a manifest above 4 MiB',
    ref: () => {
      routes.set('/v2/big/manifests/latest', () => ({ headers: { 'content-type': OCI_MANIFEST }, body: Buffer.alloc((4 << 20) + 1, 0x20) }));
      return `${host}/big:latest`;
    },
    code: Code.ResourceExhausted,
    re: /^image: manifest .*big:latest from .*: larger than 4194304 bytes; refused/,
  },
  {
    name: 'endless redirects',
    ref: () => {
      routes.set('/v2/loop/manifests/latest', () => ({ status: 302, headers: { location: '/v2/loop/manifests/latest' } }));
      return `${host}/loop:latest`;
    },
    code: Code.Unavailable,
    re: /^image: .*redirects/,
  },
  {
    name: 'a config that is not what its digest says',
    ref: () => image('badconfig', { config: Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}') }),
    code: Code.DataLoss,
    re: /^image: config sha256:[0-9a-f]{64} of .*badconfig/,
  },
  {
    name: 'a layer that is not what its digest says',
    ref: () => image('badlayer', { layer: { body: gzipSync(writeTar([{ type: 'file', path: 'evil', content: 'evil\n' }])) } }),
    code: Code.DataLoss,
    re: /^image: layer sha256:[0-9a-f]{64} of .*badlayer/,
  },
  {
    name: 'a layer that never ends',
    ref: () =>
      image('endless', {
        layer: {
          stream: (res) => {
            const chunk = Buffer.alloc(64 << 10, 0x41);
            const pump = (): void => {
              while (!res.destroyed && res.write(chunk));
              if (!res.destroyed) res.once('drain', pump);
            };
            res.on('error', () => undefined);
            pump();
          },
        },
      }),
    code: Code.DataLoss,
    re: /^image: layer .*endless.*more than the \d+ bytes/,
  },
  {
    name: 'a descriptor claiming 1 TB for a small layer',
    ref: () =>
      image('liar', {
        manifest: (m) => {
          (m.layers as { size: number }[])[0]!.size = 1e12;
        },
      }),
    code: Code.DataLoss,
    re: /^image: layer .*liar.*bytes received/,
  },
  {
    name: 'a config descriptor above 32 MiB',
    ref: () =>
      image('hugeconfig', {
        manifest: (m) => {
          (m.config as { size: number }).size = 64 << 20;
        },
      }),
    code: Code.FailedPrecondition,
    re: /^image: config .*hugeconfig.*too large/,
  },
  {
    name: 'a manifest that is not JSON',
    ref: () => {
      routes.set('/v2/garbage/manifests/latest', () => ({ headers: { 'content-type': OCI_MANIFEST }, body: Buffer.from('\u0000\u0001 not json') }));
      return `${host}/garbage:latest`;
    },
    code: Code.DataLoss,
    re: /^image: manifest of .*garbage.*not a JSON object/,
  },
];

it(`${cases.length} hostile registries: each pull fails naming the object, in bounded time, leaving nothing; berthd serves on`, async () => {
  const wrong: string[] = [];
  for (const c of cases) {
    const t0 = Date.now();
    const e = await n.d.client.call(PullImage, { image: { image: c.ref() } }, { timeoutMs: 60_000 }).then(() => undefined, (err: unknown) => err);
    const ms = Date.now() - t0;
    if (!(e instanceof GrpcStatusError)) wrong.push(`${c.name}: ${e === undefined ? 'pulled' : String(e)}`);
    else if (e.grpcCode !== c.code || !c.re.test(e.details)) wrong.push(`${c.name}: ${Code[e.grpcCode]}: ${e.details.slice(0, 300)}`);
    if (ms > 30_000) wrong.push(`${c.name}: took ${ms} ms`);
    const left = await imageGarbage(n.d);
    if (left.length) wrong.push(`${c.name}: left ${left.join(', ')}`);
    assert.equal((await n.d.client.call(Version, {})).runtimeName, 'berth');
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual((await n.d.client.call(ListImages, {})).images, []);
  // The same server, honest: the pull works.
  await n.d.client.call(PullImage, { image: { image: image('honest') } });
});
