// berthctl pull/images/inspecti/rmi/imagefsinfo against a real berthd and
// registry: crictl's output shapes.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, runCli, startDaemon, type TestDaemon } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR, type StandardImages } from '../support/images/build.js';
import { seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

let reg: RunningRegistry;
let images: StandardImages;
let d: TestDaemon;
const CTL = join(REPO, 'dist/berthctl.cjs');
const ctl = (...args: string[]) => runCli(CTL, ['-r', d.endpoint, ...args]);

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  images = await seedRegistry(reg, DEFAULT_IMAGE_DIR);
  d = await startDaemon();
});
after(async () => {
  await d?.cleanup();
  await reg?.stop();
});

it('pull prints the image id; images shows crictl columns; -q, --digests, -o json', async () => {
  const p = await ctl('pull', `${reg.host}/busybox`);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(p.stdout, `Image is up to date for ${images.busybox.imageId}\n`);
  assert.equal((await ctl('pull', `${reg.host}/user1002:latest`)).code, 0);

  const table = await ctl('images');
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
  assert.match(table.stdout, new RegExp(`^${reg.host}/busybox\\s+latest\\s+${images.busybox.imageId.slice(7, 20)}\\s+1\\.\\d+MB$`, 'm'));

  const digests = await ctl('images', '--digests');
  assert.match(digests.stdout.split('\n')[0] ?? '', /^IMAGE\s+TAG\s+DIGEST\s+IMAGE ID\s+SIZE$/);
  assert.match(digests.stdout, new RegExp(images.busybox.digest.slice(7, 20)));

  const q = await ctl('images', '-q');
  assert.deepEqual(q.stdout.trim().split('\n').sort(), [images.busybox.imageId, images.user1002.imageId].sort());

  const json = JSON.parse((await ctl('images', '-o', 'json')).stdout) as { images: { id: string; size: string; uid?: { value: string } }[] };
  const u = json.images.find((i) => i.id === images.user1002.imageId);
  assert.equal(u?.uid?.value, '1002');
  assert.equal(u?.size, String(images.user1002.totalSize));

  const filtered = await ctl('images', `${reg.host}/busybox`);
  assert.equal(filtered.stdout.trimEnd().split('\n').length, 2);
});

it('inspecti prints status and the decoded verbose info; imagefsinfo prints status', async () => {
  const r = await ctl('inspecti', `${reg.host}/user1002`);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { status: { id: string }; info: { imageSpec: { config: { User: string } } } };
  assert.equal(out.status.id, images.user1002.imageId);
  assert.equal(out.info.imageSpec.config.User, '1002');
  const missing = await ctl('inspecti', `${reg.host}/nope`);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such image/);
  const fs = JSON.parse((await ctl('imagefsinfo')).stdout) as { status: { imageFilesystems: { fsId: { mountpoint: string } }[] } };
  // One filesystem (the test root is one device): reported at the storage root.
  assert.equal(fs.status.imageFilesystems[0]?.fsId.mountpoint, d.root);
  const yaml = await ctl('imagefsinfo', '-o', 'yaml');
  assert.match(yaml.stdout, /^status:\n {2}imageFilesystems:/);
});

it('rmi prints what was deleted and fails on unknown images', async () => {
  const r = await ctl('rmi', `${reg.host}/user1002`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Deleted: ${reg.host}/user1002:latest\n`);
  const bad = await ctl('rmi', 'nothing-here');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no such image nothing-here/);
  const all = await ctl('rmi', '--all');
  assert.equal(all.code, 0, all.stderr);
  assert.equal((await ctl('images', '-q')).stdout, '');
});
