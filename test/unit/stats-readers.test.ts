// The readers on fixture trees in a temp dir: a unified (v2) hierarchy and a
// v1 one (per-controller dirs); detection; the writable-layer cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupReader, detectCgroupVersion } from '../../src/cgroups/reader.js';
import { FsUsageCache } from '../../src/stats/fs-usage.js';
import { duDiskUsageMany, parseDuLines } from '../../src/stats/du.js';

const fixture = (name: string): URL => new URL(`../fixtures/stats/${name}`, import.meta.url);

async function tempRoot(t: { after: (f: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-cg-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A v2 hierarchy: cgroup.controllers at the root, one container cgroup with the fixture files. */
async function v2Tree(root: string, path: string): Promise<void> {
  await writeFile(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  const dir = join(root, path);
  await mkdir(dir, { recursive: true });
  await copyFile(fixture('v2-cpu.stat'), join(dir, 'cpu.stat'));
  await copyFile(fixture('v2-memory.stat'), join(dir, 'memory.stat'));
  await copyFile(fixture('v2-memory.events'), join(dir, 'memory.events'));
  await writeFile(join(dir, 'memory.current'), '31457280\n');
  await writeFile(join(dir, 'memory.max'), 'max\n');
  await writeFile(join(dir, 'pids.current'), '4\n');
}

test('v2: detected by cgroup.controllers and read from one directory', async (t) => {
  const root = await tempRoot(t);
  await v2Tree(root, 'kubepods/pod1/berth-c1');
  assert.equal(await detectCgroupVersion(root), 2);
  const reader = new CgroupReader(root);
  const s = await reader.read('/kubepods/pod1/berth-c1');
  assert.ok(s);
  assert.equal(s.cpu?.usageNs, 1_500_000_000n);
  assert.equal(s.memory?.usageBytes, 31457280n);
  assert.equal(s.memory?.workingSetBytes, 31457280n - 12582912n);
  assert.equal(s.memory?.rssBytes, 8388608n);
  assert.equal(s.memory?.pageFaults, 123456n);
  assert.equal(s.memory?.majorPageFaults, 78n);
  assert.equal(s.memory?.availableBytes, undefined, 'memory.max is "max"');
  assert.equal(s.memory?.oomKills, 1n);
  assert.equal(s.pids?.current, 4n);
  assert.equal(s.swap, undefined, 'no swap files, no swap');
  const ms = Number(s.timestampNs / 1_000_000n);
  assert.ok(Math.abs(ms - Date.now()) < 5000, 'timestamp is wall-clock ns');
});

test('v2: a missing cgroup is undefined; a cgroup without the memory controller has cpu only', async (t) => {
  const root = await tempRoot(t);
  await v2Tree(root, 'a');
  const reader = new CgroupReader(root);
  assert.equal(await reader.read('/nope'), undefined);
  await mkdir(join(root, 'cpuonly'));
  await copyFile(fixture('v2-cpu.stat'), join(root, 'cpuonly', 'cpu.stat'));
  const s = await reader.read('cpuonly');
  assert.equal(s?.cpu?.usageNs, 1_500_000_000n);
  assert.equal(s?.memory, undefined);
  assert.equal(s?.pids, undefined);
  await assert.rejects(reader.read('/a/../../etc'), /must not contain/);
});

test('v1: per-controller hierarchies', async (t) => {
  const root = await tempRoot(t);
  const path = 'kubepods/pod1/c1';
  for (const c of ['cpuacct', 'memory', 'pids']) await mkdir(join(root, c, path), { recursive: true });
  await writeFile(join(root, 'cpuacct', path, 'cpuacct.usage'), '777\n');
  await writeFile(join(root, 'memory', path, 'memory.usage_in_bytes'), '20971520\n');
  await writeFile(join(root, 'memory', path, 'memory.limit_in_bytes'), '9223372036854771712\n');
  await copyFile(fixture('v1-memory.stat'), join(root, 'memory', path, 'memory.stat'));
  await writeFile(join(root, 'pids', path, 'pids.current'), '2\n');
  assert.equal(await detectCgroupVersion(root), 1);
  const reader = new CgroupReader(root);
  const s = await reader.read(`/${path}`);
  assert.equal(s?.cpu?.usageNs, 777n);
  assert.equal(s?.memory?.workingSetBytes, 20971520n - 10485760n);
  assert.equal(s?.memory?.availableBytes, undefined);
  assert.equal(s?.memory?.oomKills, undefined, 'no memory.oom_control');
  assert.equal(s?.pids?.current, 2n);
  assert.equal(await reader.read('/gone'), undefined);
});

test('writable-layer cache: measured together, served without waiting while fresh, swept in the background, failures not kept', async (t) => {
  const root = await tempRoot(t);
  let now = 1000;
  let runs = 0;
  let fail = false;
  const asked: string[][] = [];
  const cache = new FsUsageCache({
    refreshMs: 10_000,
    maxAgeMs: 30_000,
    idleMs: 60_000,
    background: false,
    now: () => now,
    measureMany: async (dirs) => {
      runs++;
      asked.push([...dirs]);
      return new Map(dirs.map((d) => [d, fail ? new Error('du broke') : d.endsWith('missing') ? undefined : { bytes: BigInt(runs * 4096), inodes: BigInt(runs) }]));
    },
  });
  const [a, b, c] = await Promise.all([cache.get('c1', root), cache.get('c1', root), cache.get('c2', join(root, 'missing'))]);
  assert.equal(runs, 1, 'requests of one turn share one measurement run');
  assert.deepEqual(asked[0], [root, join(root, 'missing')]);
  assert.equal(a?.bytes, 4096n);
  assert.equal(b, a);
  assert.equal(c, undefined, 'no upper dir: no usage');
  assert.ok(a && a.timestampNs > 0n, 'the sample says when it was measured');

  now += 15_000;
  assert.equal((await cache.get('c1', root))?.inodes, 1n, 'older than refreshMs but within maxAgeMs: served as it is, no waiting');
  assert.equal(runs, 1);
  await cache.sweep();
  assert.equal(runs, 2, 'the sweep re-measures what is due, in one run');
  assert.equal((await cache.get('c1', root))?.inodes, 2n);
  await cache.sweep();
  assert.equal(runs, 2, 'nothing is due right after a sweep');

  now += 40_000;
  assert.equal((await cache.get('c1', root))?.inodes, 3n, 'past maxAgeMs: the caller waits for a fresh measurement');

  fail = true;
  now += 20_000;
  await cache.sweep();
  assert.equal((await cache.get('c1', root))?.inodes, 3n, 'a failed background measurement keeps the previous value');
  now += 20_000;
  await assert.rejects(cache.get('c1', root), /du broke/, 'past maxAgeMs the caller sees the failure');
  fail = false;
  assert.equal((await cache.get('c1', root))?.inodes, 6n, 'the failure was not kept');

  now += 100_000;
  const before = runs;
  await cache.sweep();
  assert.equal(runs, before, 'layers not asked for in idleMs are not swept');
  cache.retain(new Set(['c2']));
  assert.equal(cache.size, 1);
  cache.forget('c2');
  assert.equal(cache.size, 0);
});

test('du output of several trees: one total per path', () => {
  assert.deepEqual(
    parseDuLines('4096\t/var/lib/berth/containers/a/upper\n123\t/var/lib/berth/containers/b/upper\n'),
    new Map([
      ['/var/lib/berth/containers/a/upper', 4096n],
      ['/var/lib/berth/containers/b/upper', 123n],
    ]),
  );
  assert.equal(parseDuLines('du: cannot access x\n').size, 0);
});

test('du of several trees, one of them missing', async (t) => {
  const root = await tempRoot(t);
  await mkdir(join(root, 'a', 'd'), { recursive: true });
  await mkdir(join(root, 'b'), { recursive: true });
  await writeFile(join(root, 'a', 'd', 'f'), Buffer.alloc(20_000, 1));
  const m = await duDiskUsageMany([join(root, 'a'), join(root, 'gone'), join(root, 'b')]);
  const a = m.get(join(root, 'a'));
  assert.ok(a && !(a instanceof Error));
  assert.equal(a.inodes, 3n);
  assert.ok(a.bytes >= 20_000n);
  assert.equal(m.get(join(root, 'gone')), undefined);
  const b = m.get(join(root, 'b'));
  assert.ok(b && !(b instanceof Error) && b.inodes === 1n);
});

test('writable-layer usage by du on a real tree', async (t) => {
  const root = await tempRoot(t);
  await mkdir(join(root, 'upper', 'etc'), { recursive: true });
  await writeFile(join(root, 'upper', 'etc', 'f'), Buffer.alloc(10_000, 1));
  const u = await new FsUsageCache().get('c', join(root, 'upper'));
  assert.equal(u?.inodes, 3n, 'upper, etc, f');
  assert.ok((u?.bytes ?? 0n) >= 10_000n, `allocated bytes ${String(u?.bytes)}`);
});
