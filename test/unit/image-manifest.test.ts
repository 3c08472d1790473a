import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainIds, choosePlatform, parseConfig, parseManifest, userOf, type Descriptor } from '../../src/image/manifest.js';
import { ImageStore, type ImageRecord } from '../../src/image/image-store.js';
import { humanSize, imagesTable, truncateId } from '../../src/cli/berthctl/verbs/image-format.js';
import { BerthError, Code } from '../../src/util/errors.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const desc = (digest: string, platform?: Descriptor['platform']): Descriptor => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1, ...(platform ? { platform } : {}) });
const buf = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

test('parses manifests and indexes; refuses schema 1 and foreign layers clearly', () => {
  const m = parseManifest(buf({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'x', digest: d('a'), size: 3 }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: d('b'), size: 4 }] }), '', 'm');
  assert.equal(m.kind, 'manifest');
  const ix = parseManifest(buf({ schemaVersion: 2, manifests: [{ mediaType: 'x', digest: d('c'), size: 1, platform: { os: 'linux', architecture: 'arm64' } }] }), 'application/vnd.oci.image.index.v1+json', 'i');
  assert.equal(ix.kind, 'index');
  const refused = (body: Buffer, re: RegExp): void => {
    assert.throws(() => parseManifest(body, '', 'manifest of x'), (e: unknown) => e instanceof BerthError && re.test(e.message));
  };
  refused(buf({ schemaVersion: 1, name: 'x', fsLayers: [] }), /schema 1 .* not supported/);
  refused(buf({ schemaVersion: 2, config: { mediaType: 'x', digest: d('a'), size: 1 }, layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: d('b'), size: 1 }] }), /not a container image layer/);
  refused(buf({ schemaVersion: 2, config: { mediaType: 'x', digest: 'md5:1', size: 1 }, layers: [] }), /not sha256/);
  refused(Buffer.from('nope'), /not a JSON object/);
});

test('picks linux/<arch>, honouring variants', () => {
  const list = [
    desc(d('1'), { os: 'linux', architecture: 'arm', variant: 'v6' }),
    desc(d('2'), { os: 'linux', architecture: 'arm', variant: 'v7' }),
    desc(d('3'), { os: 'linux', architecture: 'amd64' }),
    desc(d('4'), { os: 'windows', architecture: 'amd64' }),
    desc(d('5'), { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    desc(d('6'), { os: 'unknown', architecture: 'unknown' }),
  ];
  assert.equal(choosePlatform(list, { os: 'linux', architecture: 'amd64' }, 'x').digest, d('3'));
  assert.equal(choosePlatform(list, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x').digest, d('2'));
  assert.equal(choosePlatform(list.filter((x) => x.digest !== d('2')), { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x').digest, d('1'), 'v6 runs on v7');
  assert.equal(choosePlatform(list, { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'x').digest, d('5'));
  assert.equal(choosePlatform([desc(d('7'), { os: 'linux', architecture: 'arm64' })], { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'x').digest, d('7'));
  assert.throws(() => choosePlatform(list, { os: 'linux', architecture: 's390x' }, 'docker.io/library/x:1'), (e: unknown) => e instanceof BerthError && e.code === Code.NotFound && /no image for linux\/s390x .*linux\/arm\/v6/.test(e.message));
});

test('config validation, chain IDs, USER', () => {
  assert.throws(() => parseConfig(buf({ rootfs: { type: 'layers', diff_ids: [d('a')] } }), 2, 'c'), /1 diff_ids for 2 layers/);
  assert.equal(parseConfig(buf({ rootfs: { type: 'layers', diff_ids: [d('a')] } }), 1, 'c').rootfs.diff_ids.length, 1);
  const [c1, c2] = chainIds([d('a'), d('b')]);
  assert.equal(c1, d('a'));
  assert.equal(c2, `sha256:${createHash('sha256').update(`${d('a')} ${d('b')}`).digest('hex')}`);
  assert.deepEqual(userOf(''), { username: '' });
  assert.deepEqual(userOf('1002'), { uid: 1002n, username: '' });
  assert.deepEqual(userOf('1002:100'), { uid: 1002n, username: '' });
  assert.deepEqual(userOf('www:www'), { username: 'www' });
});

test('image store: resolve by id, prefix, tag, digest; tags move; survives reload', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-imgstore-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const rec = (id: string, tags: string[], digests: string[]): ImageRecord => ({ id, repoTags: tags, repoDigests: digests, manifestDigest: d('f'), blobs: [], layers: [], size: 1, user: '', pulledAt: 0 });
  const s = new ImageStore(dir);
  await s.load(() => true, () => undefined);
  await s.put(rec(d('a'), ['docker.io/library/busybox:latest'], [`docker.io/library/busybox@${d('e')}`]));
  await s.put(rec(`sha256:ab${'0'.repeat(62)}`, ['quay.io/x/y:1'], []));
  assert.equal(s.resolve('busybox')?.id, d('a'));
  assert.equal(s.resolve('docker.io/library/busybox:latest')?.id, d('a'));
  assert.equal(s.resolve(`busybox@${d('e')}`)?.id, d('a'));
  assert.equal(s.resolve('a'.repeat(64))?.id, d('a'));
  assert.equal(s.resolve('aaaa')?.id, d('a'));
  assert.equal(s.resolve('ab0')?.id, `sha256:ab${'0'.repeat(62)}`);
  assert.equal(s.resolve('a'), undefined, 'too short / ambiguous');
  assert.equal(s.resolve('quay.io/x/y:2'), undefined);
  // The tag moves to a newly pulled image.
  await s.put(rec(d('b'), ['docker.io/library/busybox:latest'], []));
  assert.equal(s.resolve('busybox')?.id, d('b'));
  assert.deepEqual(s.get(d('a'))?.repoTags, []);
  const again = new ImageStore(dir);
  await again.load(() => true, () => undefined);
  assert.equal(again.resolve('busybox')?.id, d('b'));
  assert.equal(again.list().length, 3);
});

test('crictl formatting: sizes, ids, table', () => {
  assert.equal(humanSize(742), '742B');
  assert.equal(humanSize(1057237), '1.06MB');
  assert.equal(humanSize(12345), '12.3kB');
  assert.equal(humanSize(1_000_000_000), '1GB');
  assert.equal(truncateId(d('a')), 'a'.repeat(13));
  const t = imagesTable([{ id: d('a'), repoTags: ['r/x:1', 'r/x:2'], repoDigests: [`r/x@${d('b')}`], size: 2000n, uid: undefined, username: '', spec: undefined, pinned: false },
    { id: d('c'), repoTags: [], repoDigests: [`r/y@${d('e')}`], size: 5n, uid: undefined, username: '', spec: undefined, pinned: false }], { digests: false, noTrunc: false });
  assert.equal(t, [
    'IMAGE               TAG                 IMAGE ID            SIZE',
    'r/x                 1                   aaaaaaaaaaaaa       2kB',
    'r/x                 2                   aaaaaaaaaaaaa       2kB',
    'r/y                 <none>              ccccccccccccc       5B',
  ].join('\n'));
});

// Compile-time: the image subsystem is what the container subsystem looks images up in.
import type { ImageLookup } from '../../src/container/deps.js';
import type { Images } from '../../src/image/images.js';
export const imagesAreAnImageLookup = (i: Images): ImageLookup => i;
