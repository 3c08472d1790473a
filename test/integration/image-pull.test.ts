// The ImageService end to end: a real berthd pulling from Debian's
// docker-registry on loopback, checked on disk (layer dirs, whiteouts,
// opaque xattrs, freed blobs), across restarts, and through failures.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { access, lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LayerState, type PullProgress } from '../../src/api/gen/berth.js';
import { ImageFsInfo, ImageStatus, ListImages, PullImage, RemoveImage, WatchPull } from '../../src/api/methods.js';
import { chainIds } from '../../src/image/manifest.js';
import { Code } from '../../src/util/errors.js';
import { rejectsWith } from '../support/assert-grpc.js';
import { BERTH, restartDaemon, runCli, startDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { startProxy } from '../support/image-proxy.js';
import { buildImage, DEFAULT_IMAGE_DIR, type BuiltImage, type StandardImages } from '../support/images/build.js';
import { pushImage, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

let reg: RunningRegistry;
let images: StandardImages;

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  images = await seedRegistry(reg, DEFAULT_IMAGE_DIR);
});
after(async () => {
  await reg?.stop();
});

const pull = (d: TestDaemon, image: string) => d.client.call(PullImage, { image: { image }, auth: undefined, sandboxConfig: undefined });
const status = (d: TestDaemon, image: string, verbose = false) => d.client.call(ImageStatus, { image: { image }, verbose });
const rmi = (d: TestDaemon, image: string) => d.client.call(RemoveImage, { image: { image } });
const list = async (d: TestDaemon) => (await d.client.call(ListImages, { filter: undefined })).images;
const layerDir = (d: TestDaemon, chainId: string) => join(d.root, 'image', 'layers', chainId.slice(7), 'diff');
const chainsOf = (img: BuiltImage) => chainIds(img.layers.map((l) => l.diffId));
const exists = (p: string) => access(p).then(() => true, () => false);

function xattrHex(path: string, name: string): string | undefined {
  try {
    const out = execFileSync('getfattr', ['-h', '-e', 'hex', '-n', name, path], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);
  } catch {
    return undefined;
  }
}

describe('pull → list → status → remove against the local registry', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.cleanup();
  });

  it('pulls by tag: id, RepoTags, RepoDigests, size, files on disk', async () => {
    const ref = `${reg.host}/busybox:latest`;
    const res = await pull(d, ref);
    assert.equal(res.imageRef, images.busybox.imageId);
    const s = await status(d, ref);
    assert.equal(s.image?.id, images.busybox.imageId);
    assert.deepEqual(s.image?.repoTags, [ref]);
    assert.deepEqual(s.image?.repoDigests, [`${reg.host}/busybox@${images.busybox.digest}`]);
    assert.equal(s.image?.size, BigInt(images.busybox.totalSize));
    assert.equal(s.image?.uid, undefined);
    assert.equal(s.image?.username, '');
    const dir = layerDir(d, chainsOf(images.busybox)[0] as string);
    assert.equal(((await lstat(join(dir, 'bin/busybox'))).mode & 0o777), 0o755);
    assert.equal(((await lstat(join(dir, 'tmp'))).mode & 0o7777), 0o1777);
    assert.equal((await lstat(join(dir, 'home/berthuser'))).uid, 1001);
    assert.deepEqual(await readdir(join(d.root, 'image', 'tmp')), [], 'nothing left in tmp');
    // Without a tag, :latest; and by the id itself.
    assert.equal((await status(d, images.busybox.imageId)).image?.id, images.busybox.imageId);
    assert.equal((await status(d, images.busybox.imageId.slice(7, 19))).image?.id, images.busybox.imageId, 'id prefix');
    assert.equal((await status(d, `${reg.host}/busybox`)).image?.id, images.busybox.imageId);
  });

  it('ImageStatus of a missing image is empty, not an error; verbose carries the config', async () => {
    const missing = await status(d, `${reg.host}/nothing:here`);
    assert.equal(missing.image, undefined);
    assert.deepEqual(missing.info, {});
    const v = await status(d, `${reg.host}/busybox:latest`, true);
    const info = JSON.parse(v.info.info ?? '{}') as { imageSpec: { config: { Cmd: string[] }; rootfs: { diff_ids: string[] } } };
    assert.deepEqual(info.imageSpec.config.Cmd, ['sh']);
    assert.deepEqual(info.imageSpec.rootfs.diff_ids, images.busybox.layers.map((l) => l.diffId));
  });

  it('layered: whiteouts are char devices 0:0, opaque dirs have trusted.overlay.opaque=y; layers shared by chain ID', async () => {
    await pull(d, `${reg.host}/layered:latest`);
    const [c1, c2, c3] = chainsOf(images.layered) as [string, string, string];
    const wh = await lstat(join(layerDir(d, c2), 'data/gone'));
    assert.ok(wh.isCharacterDevice());
    assert.equal(wh.rdev, 0);
    assert.equal(xattrHex(join(layerDir(d, c2), 'opaque'), 'trusted.overlay.opaque'), '0x79');
    assert.equal(await readFile(join(layerDir(d, c2), 'opaque/c'), 'utf8'), 'c\n');
    assert.equal(await readFile(join(layerDir(d, c3), 'data/new'), 'utf8'), 'new\n');
    assert.ok(await exists(join(layerDir(d, c1), 'data/gone')));
    assert.equal(await exists(join(layerDir(d, c2), 'data/.wh.gone')), false);
  });

  it('USER gives uid or username; multiarch picks linux/amd64; docker schema 2, zstd and catatonit pull', async () => {
    await pull(d, `${reg.host}/user1002`);
    assert.equal((await status(d, `${reg.host}/user1002`)).image?.uid?.value, 1002n);
    await pull(d, `${reg.host}/nameduser:latest`);
    const named = (await status(d, `${reg.host}/nameduser`)).image;
    assert.equal(named?.username, 'berthuser');
    assert.equal(named?.uid, undefined);
    assert.equal((await pull(d, `${reg.host}/multiarch:latest`)).imageRef, images.busybox.imageId);
    const ma = (await status(d, images.busybox.imageId)).image;
    assert.deepEqual(ma?.repoTags.sort(), [`${reg.host}/busybox:latest`, `${reg.host}/multiarch:latest`]);
    assert.ok(ma?.repoDigests.includes(`${reg.host}/multiarch@${images.multiarch.digest}`), 'the index digest');
    assert.equal((await pull(d, `${reg.host}/dockerv2:latest`)).imageRef, images.dockerv2.imageId);
    assert.equal((await pull(d, `${reg.host}/zstd:latest`)).imageRef, images.zstd.imageId);
    assert.ok(await exists(join(layerDir(d, chainsOf(images.zstd)[0] as string), 'bin/busybox')));
    assert.equal((await pull(d, `${reg.host}/catatonit:latest`)).imageRef, images.catatonit.imageId);
  });

  it('by digest: no RepoTags, RepoDigests only; name:tag@digest is by digest', async () => {
    const img = await buildImage({ repo: 'bydigest', layers: [{ source: { entries: [{ type: 'file', path: 'x', content: 'by digest\n' }] } }] });
    await pushImage(reg.url, 'bydigest', 'v1', img);
    const repo = `${reg.host}/bydigest`;
    assert.equal((await pull(d, `${repo}@${img.digest}`)).imageRef, img.imageId);
    let s = await status(d, `${repo}@${img.digest}`);
    assert.deepEqual(s.image?.repoTags, []);
    assert.deepEqual(s.image?.repoDigests, [`${repo}@${img.digest}`]);
    await pull(d, `${repo}:v1@${img.digest}`);
    s = await status(d, img.imageId);
    assert.deepEqual(s.image?.repoTags, []);
    await pull(d, `${repo}:v1`);
    assert.deepEqual((await status(d, img.imageId)).image?.repoTags, [`${repo}:v1`]);
  });

  it('one image under three tags has one id; rmi of one tag untags; rmi by id frees layers and blobs', async () => {
    const img = await buildImage({ repo: 'tagged', layers: [{ source: { entries: [{ type: 'file', path: 'only-here', content: 'x\n' }] } }] });
    for (const t of ['a', 'b', 'c']) await pushImage(reg.url, 'tagged', t, img);
    const repo = `${reg.host}/tagged`;
    for (const t of ['a', 'b', 'c']) assert.equal((await pull(d, `${repo}:${t}`)).imageRef, img.imageId);
    const mine = (await list(d)).filter((i) => i.id === img.imageId);
    assert.equal(mine.length, 1);
    assert.deepEqual(mine[0]?.repoTags, [`${repo}:a`, `${repo}:b`, `${repo}:c`]);
    const filtered = (await d.client.call(ListImages, { filter: { image: { image: `${repo}:b`, annotations: {}, userSpecifiedImage: '', runtimeHandler: '', imageRef: '' } } })).images;
    assert.deepEqual(filtered.map((i) => i.id), [img.imageId]);

    await rmi(d, `${repo}:b`);
    assert.deepEqual((await status(d, img.imageId)).image?.repoTags, [`${repo}:a`, `${repo}:c`]);
    assert.equal((await status(d, `${repo}:b`)).image, undefined);

    const layer = layerDir(d, chainsOf(img)[0] as string);
    const configBlob = join(d.root, 'image/blobs/sha256', img.imageId.slice(7));
    const manifestBlob = join(d.root, 'image/blobs/sha256', img.digest.slice(7));
    assert.ok(await exists(layer));
    assert.ok(await exists(configBlob));
    await rmi(d, img.imageId);
    assert.equal((await status(d, img.imageId)).image, undefined);
    assert.equal((await status(d, `${repo}:a`)).image, undefined);
    assert.equal(await exists(join(layer, '..')), false, 'layer freed');
    assert.equal(await exists(configBlob), false, 'config blob freed');
    assert.equal(await exists(manifestBlob), false, 'manifest blob freed');
    await rmi(d, img.imageId); // idempotent
    // A layer shared with other images stays when one of them goes.
    await rmi(d, `${reg.host}/user1002:latest`);
    assert.ok(await exists(layerDir(d, chainsOf(images.busybox)[0] as string)));
  });

  it('records survive a restart, and so does what they name', async () => {
    const before = (await list(d)).map((i) => [i.id, i.repoTags.join(','), i.repoDigests.join(','), i.size]).sort();
    await d.stop();
    d = await restartDaemon(d);
    const afterList = (await list(d)).map((i) => [i.id, i.repoTags.join(','), i.repoDigests.join(','), i.size]).sort();
    assert.deepEqual(afterList, before);
    assert.equal((await status(d, `${reg.host}/nameduser`)).image?.username, 'berthuser');
  });

  it('ImageFsInfo reports the image store and the container layers as one filesystem at the storage root (one device here)', async () => {
    const fs = await d.client.call(ImageFsInfo, {});
    const img = fs.imageFilesystems[0];
    assert.equal(img?.fsId?.mountpoint, d.root);
    assert.ok((img?.usedBytes?.value ?? 0n) > 1_000_000n, 'busybox is over 1 MB');
    assert.ok((img?.inodesUsed?.value ?? 0n) > 100n);
    assert.ok(img?.timestamp && img.timestamp > 0n);
    assert.deepEqual(fs.containerFilesystems, [], 'cri-node-contract.test.ts covers the split case');
  });

  it('errors: bad reference, unknown tag, unknown repository', async () => {
    await rejectsWith(pull(d, 'Bad/Ref:'), Code.InvalidArgument, /invalid image reference "Bad\/Ref:"/);
    await rejectsWith(pull(d, `${reg.host}/busybox:nope`), Code.NotFound, new RegExp(`${reg.host}/busybox:nope.*not found`));
    await rejectsWith(pull(d, `${reg.host}/nosuchrepo:latest`), Code.NotFound, /nosuchrepo:latest/);
    await rejectsWith(d.client.call(PullImage, { image: { image: '' } }), Code.InvalidArgument, /image\.image is required/);
  });
});

describe('registry auth', () => {
  for (const mode of ['basic', 'token'] as const) {
    it(`${mode}: no credentials → Unauthenticated naming the registry; AuthConfig → pulled`, async (t) => {
      const r = await startRegistry({ auth: mode });
      t.after(() => r.stop());
      await pushImage(r.url, 'busybox', 'latest', images.busybox, { username: r.username ?? '', password: r.password ?? '' });
      const d = await startDaemon();
      t.after(() => d.cleanup());
      const ref = `${r.host}/busybox:latest`;
      await rejectsWith(pull(d, ref), Code.Unauthenticated, new RegExp(`registry ${r.host}`));
      await rejectsWith(
        d.client.call(PullImage, { image: { image: ref }, auth: { username: r.username ?? '', password: 'wrong', auth: '', serverAddress: r.host, identityToken: '', registryToken: '' } }),
        Code.Unauthenticated,
        new RegExp(`registry ${r.host}`),
      );
      const ok = await d.client.call(PullImage, { image: { image: ref }, auth: { username: r.username ?? '', password: r.password ?? '', auth: '', serverAddress: r.host, identityToken: '', registryToken: '' } });
      assert.equal(ok.imageRef, images.busybox.imageId);
    });
  }

  it('credentials from the configured auth file', async (t) => {
    const r = await startRegistry({ auth: 'basic' });
    t.after(() => r.stop());
    await pushImage(r.url, 'busybox', 'latest', images.busybox, { username: r.username ?? '', password: r.password ?? '' });
    const { writeFile } = await import('node:fs/promises');
    const { makeTestDir } = await import('../support/daemon.js');
    const dir = await makeTestDir('authfile-');
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ auths: { [`http://${r.host}`]: { auth: Buffer.from(`${r.username}:${r.password}`).toString('base64') } } }));
    const d = await startDaemon({ toml: `[image]\nauth_file = "${file}"\n` });
    t.after(() => d.cleanup());
    assert.equal((await pull(d, `${r.host}/busybox`)).imageRef, images.busybox.imageId);
  });
});

describe('mirrors, verification, sharing, crashes', () => {
  it('a mirror serves docker.io names, which stay the original names', async (t) => {
    await pushImage(reg.url, 'library/busybox', 'latest', images.busybox);
    const d = await startDaemon({ toml: `[image.registries."docker.io"]\nmirrors = ["http://127.0.0.1:1", "${reg.url}"]\n` });
    t.after(() => d.cleanup());
    assert.equal((await pull(d, 'busybox')).imageRef, images.busybox.imageId);
    const s = await status(d, 'docker.io/library/busybox:latest');
    assert.deepEqual(s.image?.repoTags, ['docker.io/library/busybox:latest']);
    assert.deepEqual(s.image?.repoDigests, [`docker.io/library/busybox@${images.busybox.digest}`]);
    assert.equal((await status(d, 'busybox')).image?.id, images.busybox.imageId);
  });

  it('a corrupted layer fails with DataLoss naming it, and leaves nothing behind', async (t) => {
    const proxy = await startProxy(reg.url);
    t.after(() => proxy.close());
    const layer = images.layered.layers[1]?.digest as string;
    proxy.corrupt.add(layer);
    const d = await startDaemon();
    t.after(() => d.cleanup());
    const ref = `${proxy.host}/layered:latest`;
    await rejectsWith(pull(d, ref), Code.DataLoss, new RegExp(`layer ${layer}.*digest mismatch`));
    assert.equal((await status(d, ref)).image, undefined);
    assert.equal(await exists(layerDir(d, chainsOf(images.layered)[1] as string)), false);
    assert.deepEqual(await readdir(join(d.root, 'image/tmp')), []);
    proxy.corrupt.clear();
    assert.equal((await pull(d, ref)).imageRef, images.layered.imageId);
  });

  it('a download cut mid-stream is retried from scratch', async (t) => {
    const proxy = await startProxy(reg.url);
    t.after(() => proxy.close());
    const d = await startDaemon();
    t.after(() => d.cleanup());
    const layer = images.busybox.layers[0]?.digest as string;
    proxy.cutOnce.add(layer);
    assert.equal((await pull(d, `${proxy.host}/busybox:latest`)).imageRef, images.busybox.imageId);
    assert.equal(proxy.blobGets(layer), 2);
    assert.deepEqual(await readdir(join(d.root, 'image/tmp')), []);
  });

  it('concurrent pulls of images sharing a layer fetch that blob once', async (t) => {
    const proxy = await startProxy(reg.url);
    t.after(() => proxy.close());
    const d = await startDaemon();
    t.after(() => d.cleanup());
    const refs = ['busybox', 'user1002', 'nameduser', 'dockerv2', 'busybox'].map((n) => `${proxy.host}/${n}:latest`);
    const ids = await Promise.all(refs.map((r) => pull(d, r)));
    assert.equal(ids[0]?.imageRef, images.busybox.imageId);
    const shared = images.busybox.layers[0]?.digest as string;
    assert.equal(proxy.blobGets(shared), 1, 'the shared busybox layer was downloaded once');
    assert.equal(proxy.blobGets(images.busybox.config.digest), 1, 'one config fetch for two pulls of busybox');
  });

  it('a crash mid-pull leaves no garbage after the restart, and the pull then succeeds', async (t) => {
    const proxy = await startProxy(reg.url);
    t.after(() => proxy.close());
    const d = await startDaemon();
    t.after(() => d.cleanup());
    const ref = `${proxy.host}/layered:latest`;
    proxy.stall.add(images.layered.layers[0]?.digest as string);
    const pending = pull(d, ref).catch(() => undefined);
    await proxy.stalled;
    // Let the other layers finish, so there is something to clean up.
    await new Promise((r) => setTimeout(r, 300));
    await d.kill();
    await pending;
    const d2 = await restartDaemon(d);
    t.after(() => d2.cleanup());
    assert.equal((await status(d2, ref)).image, undefined);
    assert.deepEqual(await readdir(join(d.root, 'image/tmp')), [], 'tmp emptied');
    assert.deepEqual(await readdir(join(d.root, 'image/layers')), [], 'orphan layers freed');
    assert.deepEqual(await readdir(join(d.root, 'image/images')), []);
    proxy.stall.clear();
    assert.equal((await pull(d2, ref)).imageRef, images.layered.imageId);
  });

  it('WatchPull reports each layer while the pull runs (bytes of a held layer), then every layer done; berth pull prints them', async (t) => {
    const proxy = await startProxy(reg.url);
    t.after(() => proxy.close());
    const d = await startDaemon();
    t.after(() => d.cleanup());
    const ref = `${proxy.host}/layered:latest`;
    const held = images.layered.layers[0] as { digest: string; size: number };
    proxy.gated.add(held.digest);
    const reports: PullProgress[] = [];
    const watching = d.client.stream(WatchPull, { image: ref }, (p) => reports.push(p));
    const pulled = pull(d, ref);
    // The held layer shows the 4 KiB the proxy let through, and no more.
    await waitFor(() => reports.some((r) => r.layers.some((l) => l.digest === held.digest && l.state === LayerState.DOWNLOADING && l.fetched >= 4096n)), 10_000, () => `no report of the held layer: ${JSON.stringify(reports.at(-1), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}`);
    const mid = reports.at(-1) as PullProgress;
    assert.equal(mid.reference, `${proxy.host}/layered:latest`);
    assert.deepEqual(mid.layers.map((l) => l.digest), images.layered.layers.map((l) => l.digest), 'every layer, in manifest order');
    const heldNow = mid.layers.find((l) => l.digest === held.digest);
    assert.ok(heldNow && heldNow.fetched < BigInt(held.size) && heldNow.size === BigInt(held.size), 'partly fetched');
    assert.equal(mid.finished, false);
    proxy.gateOpen(held.digest);
    assert.equal((await pulled).imageRef, images.layered.imageId);
    await watching;
    const last = reports.at(-1) as PullProgress;
    assert.equal(last.finished, true);
    assert.ok(last.layers.every((l) => l.state === LayerState.DONE && l.fetched === l.size), 'all done');

    // The CLI, without a terminal: a plain line per layer state change. The image is
    // removed first so the layers are fetched again (shared layers stay: "Already exists").
    await rmi(d, ref);
    proxy.gated.add(held.digest);
    setTimeout(() => proxy.gateOpen(held.digest), 700);
    const out = await runCli(BERTH, ['-H', d.endpoint, 'pull', ref], { NODE_EXTRA_CA_CERTS: '' });
    assert.equal(out.code, 0, out.stderr);
    for (const l of images.layered.layers) assert.match(out.stderr, new RegExp(`^${l.digest.slice(7, 19)}: Pull complete$`, 'm'));
    assert.match(out.stderr, new RegExp(`^${held.digest.slice(7, 19)}: Downloading \\S+$`, 'm'), 'the held layer was seen downloading');
    // A pull that finished moments ago still gives its last report (a watcher late for a fast pull)…
    const late: PullProgress[] = [];
    await d.client.stream(WatchPull, { image: ref }, (p) => late.push(p));
    assert.equal(late.length, 1);
    assert.equal(late[0]?.finished, true);
    // …and a reference no pull touched ends the watch without a report.
    const none: PullProgress[] = [];
    await d.client.stream(WatchPull, { image: `${proxy.host}/busybox:latest` }, (p) => none.push(p));
    assert.deepEqual(none, []);
  });
});

