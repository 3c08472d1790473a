import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupWarmer, ownCgroupProcsCandidates } from '../../src/cgroups/warmer.js';

test('ownCgroupProcsCandidates: v1 pids first, other controllers, then v2 (plain and hybrid)', () => {
  const hybrid = ['12:pids:/user.slice', '11:cpu,cpuacct:/user.slice', '10:name=systemd:/user.slice/s.scope', '0::/user.slice/s.scope', ''].join('\n');
  assert.deepEqual(ownCgroupProcsCandidates(hybrid, '/cg'), [
    '/cg/pids/user.slice/cgroup.procs',
    '/cg/cpu,cpuacct/user.slice/cgroup.procs',
    '/cg/user.slice/s.scope/cgroup.procs',
    '/cg/unified/user.slice/s.scope/cgroup.procs',
  ]);
  assert.deepEqual(ownCgroupProcsCandidates('0::/\n', '/cg'), ['/cg/cgroup.procs', '/cg/unified/cgroup.procs']);
  assert.deepEqual(ownCgroupProcsCandidates('garbage\n', '/cg'), []);
});

test('CgroupWarmer writes berthd\'s pid while held and stops when released; inert without a file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'warmer-'));
  await mkdir(join(root, 'pids', 'x'), { recursive: true });
  const file = join(root, 'pids', 'x', 'cgroup.procs');
  await writeFile(file, '');
  const w = CgroupWarmer.forSelf('3:pids:/x\n', root);
  assert.ok(w.active);
  const release = w.hold();
  await new Promise((r) => setTimeout(r, 30));
  release();
  release();
  await new Promise((r) => setTimeout(r, 15));
  const written = await readFile(file, 'utf8');
  assert.match(written, new RegExp(`^(${process.pid})+$`));
  assert.ok(written.length / String(process.pid).length >= 2, 'written repeatedly while held');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(await readFile(file, 'utf8'), written, 'nothing after release');
  w.close();
  const none = CgroupWarmer.forSelf('3:pids:/absent\n', root);
  assert.equal(none.active, false);
  none.hold()();
});
