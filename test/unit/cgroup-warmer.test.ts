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
  const pid = String(process.pid);
  const writes = async (): Promise<number> => (await readFile(file, 'utf8')).length / pid.length;
  // Waits on what happened, not on a time window: on a loaded machine the
  // 4 ms ticks (thread-pool writes) can lag far behind a fixed sleep.
  const until = async (ok: () => Promise<boolean>, what: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!(await ok())) {
      assert.ok(Date.now() < deadline, what);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until(async () => (await writes()) >= 2, 'written repeatedly while held');
  release();
  release();
  // At most the one write in flight at release lands afterwards; then nothing.
  let settled = '';
  await until(async () => {
    const a = await readFile(file, 'utf8');
    await new Promise((r) => setTimeout(r, 100));
    settled = await readFile(file, 'utf8');
    return a === settled;
  }, 'writes stop after release');
  assert.match(settled, new RegExp(`^(${process.pid})+$`));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await readFile(file, 'utf8'), settled, 'nothing after release');
  w.close();
  const none = CgroupWarmer.forSelf('3:pids:/absent\n', root);
  assert.equal(none.active, false);
  none.hold()();
});
