// Proves the offline image builder and the registry fixture that the other
// integration suites pull from: images are reproducible, pushes work under
// each auth mode, and what comes back is what was built.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { blobPath, buildImage, buildStandardImages, DEFAULT_IMAGE_DIR, MediaType, type StandardImages } from '../support/images/build.js';
import { tar, zstd } from '../support/images/tools.js';
import { RegistryClient, RegistryError, type Credentials } from '../support/registry/client.js';
import { pushImage, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RegistryAuth, type RunningRegistry } from '../support/registry/registry.js';

interface Member {
  mode: string;
  owner: string;
  name: string;
  link?: string;
}

/** `tar -tv` of an uncompressed layer, parsed. */
async function list(layerTar: Buffer): Promise<Map<string, Member>> {
  const out = await tar(['-tv', '--numeric-owner', '-f', '-'], { stdin: layerTar });
  const members = new Map<string, Member>();
  for (const line of out.toString('utf8').split('\n').filter(Boolean)) {
    const m = /^(\S+)\s+(\S+)\s+\d+\s+\S+\s+\S+\s+(.+?)(?: -> (.+))?$/.exec(line);
    assert.ok(m?.[1] && m[2] && m[3], `unparsed tar line: ${line}`);
    members.set(m[3].replace(/\/$/, ''), { mode: m[1], owner: m[2], name: m[3], ...(m[4] ? { link: m[4] } : {}) });
  }
  return members;
}

const readBlob = (storeDir: string, digest: string): Promise<Buffer> => readFile(blobPath(storeDir, digest));
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const credsOf = (r: RunningRegistry): Credentials | undefined =>
  r.username !== undefined && r.password !== undefined ? { username: r.username, password: r.password } : undefined;

function assertGone(r: RunningRegistry): void {
  assert.throws(() => process.kill(r.pid, 0), { code: 'ESRCH' }, `docker-registry pid ${r.pid} still alive`);
  assert.equal(existsSync(r.tempDir), false, `${r.tempDir} not removed`);
}

let images: StandardImages;
before(async () => {
  images = await buildStandardImages(DEFAULT_IMAGE_DIR);
});

describe('image builder', () => {
  it('is deterministic: a fresh store yields the same digests', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-images-'));
    try {
      const again = await buildStandardImages(dir);
      for (const [name, img] of Object.entries(images)) {
        assert.equal(again[name as keyof StandardImages].digest, img.digest, name);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('builds custom images from directories, tar entries and uncompressed layers', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-images-'));
    try {
      const tree = path.join(dir, 'tree');
      await mkdir(path.join(tree, 'app'), { recursive: true });
      await writeFile(path.join(tree, 'app', 'hello.txt'), 'hello\n');
      const longName = `deep/${'x'.repeat(120)}`;
      const img = await buildImage(
        {
          repo: 'custom',
          flavour: 'docker',
          layers: [
            { source: { dir: tree }, compression: 'none' },
            { source: { entries: [{ type: 'file', path: longName, content: 'long', xattrs: { 'user.k': 'v' } }] } },
          ],
          config: { Entrypoint: ['/app/run'], WorkingDir: '/app', ExposedPorts: { '80/tcp': {} }, StopSignal: 'SIGINT' },
        },
        path.join(dir, 'store'),
      );
      assert.equal(img.mediaType, MediaType.dockerManifest);
      assert.deepEqual(img.layers.map((l) => l.mediaType), [MediaType.dockerLayer, MediaType.dockerLayerGzip]);
      const [plain, gz] = img.layers;
      assert.ok(plain && gz);
      assert.equal(plain.digest, plain.diffId, 'an uncompressed layer is its own diff');
      assert.ok((await list(await readBlob(img.storeDir, plain.digest))).has('app/hello.txt'));
      assert.ok((await list(gunzipSync(await readBlob(img.storeDir, gz.digest)))).has(longName), 'pax long path');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

for (const auth of ['none', 'basic', 'token'] as const satisfies readonly RegistryAuth[]) {
  describe(`registry with auth=${auth}`, () => {
    let reg: RunningRegistry | undefined;
    after(async () => {
      if (!reg) return;
      await reg.stop();
      assertGone(reg);
    });

    it('takes a push and serves the manifest by tag and by digest', async () => {
      reg = await startRegistry({ auth });
      const bb = images.busybox;
      assert.equal((await pushImage(reg.url, 'busybox', 'latest', bb, credsOf(reg))).digest, bb.digest);

      const client = new RegistryClient(reg.url, credsOf(reg));
      const byTag = await client.getManifest('busybox', 'latest');
      assert.equal(byTag.digest, bb.digest);
      assert.equal(byTag.mediaType, MediaType.ociManifest);
      const byDigest = await client.getManifest('busybox', bb.digest);
      assert.deepEqual(byDigest.body, byTag.body);
      const config = JSON.parse((await client.getBlob('busybox', bb.config.digest)).toString('utf8')) as { rootfs: { diff_ids: string[] } };
      assert.deepEqual(config.rootfs.diff_ids, bb.layers.map((l) => l.diffId));
      if (auth !== 'none') assert.ok(client.challenges > 0, 'the 401 dance ran');
      if (auth === 'token') assert.ok((reg.tokenServer?.issued() ?? 0) > 0, 'tokens were issued');
    });

    if (auth !== 'none') {
      it('refuses anonymous and wrong-password pulls', async () => {
        assert.ok(reg);
        for (const creds of [undefined, { username: reg.username ?? '', password: 'wrong' }]) {
          const client = new RegistryClient(reg.url, creds);
          await assert.rejects(client.getManifest('busybox', 'latest'), (e: unknown) => e instanceof RegistryError && e.status === 401);
        }
      });
    }
  });
}

describe('seeded registry (token auth)', () => {
  let reg: RunningRegistry | undefined;
  let client: RegistryClient;
  before(async () => {
    reg = await startRegistry({ auth: 'token' });
    await seedRegistry(reg, DEFAULT_IMAGE_DIR);
    client = new RegistryClient(reg.url, credsOf(reg));
  });
  after(async () => {
    if (!reg) return;
    await reg.stop();
    assertGone(reg);
  });

  it('serves every standard image under its tag', async () => {
    for (const img of Object.values(images)) {
      assert.equal((await client.getManifest(img.repo, img.tag)).digest, img.digest, img.repo);
    }
  });

  it('serves the multiarch index and each child', async () => {
    const ix = await client.getManifest('multiarch', 'latest');
    assert.equal(ix.mediaType, MediaType.ociIndex);
    const index = JSON.parse(ix.body.toString('utf8')) as { manifests: { digest: string; platform: { architecture: string; variant?: string } }[] };
    assert.deepEqual(index.manifests.map((m) => [m.platform.architecture, m.platform.variant]), [['amd64', undefined], ['arm64', undefined], ['arm', 'v7']]);
    assert.equal(index.manifests[0]?.digest, images.busybox.digest, 'amd64 entry is busybox:latest');
    for (const m of index.manifests) {
      const child = await client.getManifest('multiarch', m.digest);
      const cfgDigest = (JSON.parse(child.body.toString('utf8')) as { config: { digest: string } }).config.digest;
      const cfg = JSON.parse((await client.getBlob('multiarch', cfgDigest)).toString('utf8')) as { architecture: string };
      assert.equal(cfg.architecture, m.platform.architecture);
    }
  });

  it('busybox layer has the binary, applet links, users and a sticky /tmp', async () => {
    const [layer] = images.busybox.layers;
    assert.ok(layer);
    const files = await list(gunzipSync(await client.getBlob('busybox', layer.digest)));
    assert.equal(files.get('bin/busybox')?.mode, '-rwxr-xr-x');
    for (const applet of ['sh', 'ls', 'cat', 'sleep', 'id', 'httpd', 'nc', 'wget', 'stty', 'sha256sum']) {
      assert.equal(files.get(`bin/${applet}`)?.link, 'busybox', applet);
    }
    assert.equal(files.get('tmp')?.mode, 'drwxrwxrwt');
    assert.equal(files.get('home/berthuser')?.owner, '1001/1001');
    assert.ok(files.has('etc/passwd') && files.has('etc/group'));
  });

  it('layered:latest carries whiteouts and an opaque marker in L2', async () => {
    const tars = await Promise.all(images.layered.layers.map(async (l) => gunzipSync(await client.getBlob('layered', l.digest))));
    assert.deepEqual(tars.map(sha), images.layered.layers.map((l) => l.diffId));
    const [l1, l2, l3] = await Promise.all(tars.map(list));
    assert.ok(l1?.has('data/gone') && l1.has('data/keep') && l1.has('opaque/a') && l1.has('bin/busybox'));
    assert.deepEqual([...(l2?.keys() ?? [])], ['data', 'data/.wh.gone', 'opaque', 'opaque/.wh..wh..opq', 'opaque/c']);
    assert.deepEqual([...(l3?.keys() ?? [])], ['data', 'data/new']);
  });

  it('zstd, dockerv2, user and catatonit images have the advertised shape', async () => {
    const [z] = images.zstd.layers;
    assert.equal(z?.mediaType, MediaType.ociLayerZstd);
    const zTar = await zstd.decompress(await client.getBlob('zstd', z.digest));
    assert.equal(sha(zTar), z.diffId);
    assert.ok((await list(zTar)).has('bin/busybox'));

    const d = JSON.parse((await client.getManifest('dockerv2', 'latest')).body.toString('utf8')) as {
      mediaType: string;
      config: { mediaType: string };
      layers: { mediaType: string }[];
    };
    assert.equal(d.mediaType, MediaType.dockerManifest);
    assert.equal(d.config.mediaType, MediaType.dockerConfig);
    assert.equal(d.layers[0]?.mediaType, MediaType.dockerLayerGzip);

    const cfg = async (name: keyof StandardImages): Promise<{ User?: string; Entrypoint?: string[] }> =>
      (JSON.parse((await client.getBlob(name, images[name].config.digest)).toString('utf8')) as { config: { User?: string; Entrypoint?: string[] } }).config;
    assert.equal((await cfg('user1002')).User, '1002');
    assert.equal((await cfg('nameduser')).User, 'berthuser');
    assert.deepEqual((await cfg('catatonit')).Entrypoint, ['/catatonit', '-P']);
    const [c] = images.catatonit.layers;
    assert.ok(c);
    assert.equal((await list(gunzipSync(await client.getBlob('catatonit', c.digest)))).get('catatonit')?.mode, '-rwxr-xr-x');
  });
});
