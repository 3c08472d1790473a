// src/cgroups: driver × version decisions, paths, flags, resource rules,
// OOM counters and the systemd bus arguments. No root: pure functions and
// files in a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseDriver } from '../../src/cgroups/driver.js';
import { CgroupManager } from '../../src/cgroups/manager.js';
import { oomEventsFile, parseOomKills, readOomKills } from '../../src/cgroups/oom.js';
import { cgroupFsPath, cgroupsPathFor, checkCgroupParent, conmonScopeUnit, containerScopeUnit, scopeUnitOf } from '../../src/cgroups/paths.js';
import { checkUnified, sharesToWeight, v2Files } from '../../src/cgroups/resources.js';
import { parseStringProperty, startScopeArgs, unitObjectPath } from '../../src/cgroups/systemd-bus.js';
import { BerthError, Code } from '../../src/util/errors.js';

const invalidNaming = (field: RegExp) => (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument && field.test(e.message);

test('driver: auto is systemd only with systemd as PID 1 on cgroup v2; an explicit setting wins', () => {
  assert.equal(chooseDriver('auto', { version: 2, systemdInit: true }), 'systemd');
  assert.equal(chooseDriver('auto', { version: 1, systemdInit: true }), 'cgroupfs', 'v1/hybrid host');
  assert.equal(chooseDriver('auto', { version: 2, systemdInit: false }), 'cgroupfs', 'no systemd');
  assert.equal(chooseDriver('systemd', { version: 1, systemdInit: false }), 'systemd');
  assert.equal(chooseDriver('cgroupfs', { version: 2, systemdInit: true }), 'cgroupfs');
});

test('paths: cgroupfs <parent>/berth-<id>, systemd <slice>:berth:<id>', () => {
  assert.equal(cgroupsPathFor('cgroupfs', '/kubepods/besteffort/pod1234', 'abc'), '/kubepods/besteffort/pod1234/berth-abc');
  assert.equal(cgroupsPathFor('cgroupfs', 'kubepods/', 'abc'), '/kubepods/berth-abc');
  assert.equal(cgroupsPathFor('cgroupfs', '', 'abc'), '/berth/berth-abc');
  assert.equal(cgroupsPathFor('systemd', 'kubepods-besteffort-pod1234.slice', 'abc'), 'kubepods-besteffort-pod1234.slice:berth:abc');
  assert.equal(cgroupsPathFor('systemd', '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice', 'abc'), 'kubepods-burstable-pod1.slice:berth:abc');
  assert.equal(cgroupsPathFor('systemd', '', 'abc'), 'system.slice:berth:abc');
  assert.throws(() => cgroupsPathFor('cgroupfs', '/a', '../x'), /cannot name a cgroup/);
  assert.equal(scopeUnitOf('kubepods-pod1.slice:berth:abc'), 'berth-abc.scope');
  assert.equal(scopeUnitOf('/kubepods/x'), undefined);
  assert.equal(containerScopeUnit('abc'), 'berth-abc.scope');
  assert.equal(conmonScopeUnit('abc'), 'berth-conmon-abc.scope');
});

test('paths: a parent the driver cannot place is InvalidArgument naming cgroup_parent', () => {
  assert.equal(checkCgroupParent('cgroupfs', ''), '/berth');
  assert.equal(checkCgroupParent('systemd', ''), 'system.slice');
  assert.throws(() => checkCgroupParent('systemd', '/kubepods/besteffort/pod1'), invalidNaming(/linux\.cgroup_parent: "\/kubepods\/besteffort\/pod1" is not a systemd slice/));
  assert.throws(() => checkCgroupParent('systemd', 'kubepods'), invalidNaming(/cgroup_parent/));
  assert.throws(() => checkCgroupParent('systemd', 'kubepods/pod1234.slice'), invalidNaming(/cgroup_parent: "kubepods\/pod1234\.slice" is not a systemd slice/), 'a path that is not the slice\'s own');
  assert.equal(checkCgroupParent('systemd', '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/'), '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/');
  assert.throws(() => checkCgroupParent('cgroupfs', '/kubepods/../x'), invalidNaming(/cgroup_parent: .* must not contain "\.\."/));
  assert.throws(() => checkCgroupParent('cgroupfs', 'system.slice:berth:x'), invalidNaming(/cgroup_parent: .*systemd form/));
});

test('paths: systemd forms expand to their place in the hierarchy as runc does', () => {
  assert.equal(cgroupFsPath('/kubepods/besteffort/pod1/abc'), '/kubepods/besteffort/pod1/abc');
  assert.equal(cgroupFsPath('kubepods-besteffort-pod1.slice'), '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice');
  assert.equal(cgroupFsPath('kubepods-besteffort-pod1.slice:berth:abc'), '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/berth-abc.scope');
  assert.equal(cgroupFsPath(':berth:abc'), '/system.slice/berth-abc.scope');
  assert.equal(cgroupFsPath('-.slice:berth:abc'), '/berth-abc.scope');
});

test('flags: --systemd-cgroup for the runtime and -s for conmon only under systemd', () => {
  const m = (driver: 'cgroupfs' | 'systemd') => new CgroupManager({ driver, host: { version: 2, systemdInit: true, swapController: true, hugetlbController: true } });
  assert.deepEqual(m('systemd').runtimeArgs(), ['--systemd-cgroup']);
  assert.deepEqual(m('systemd').conmonArgs(), ['-s']);
  assert.deepEqual(m('cgroupfs').runtimeArgs(), []);
  assert.deepEqual(m('cgroupfs').conmonArgs(), []);
  assert.deepEqual(m('systemd').describe(), { cgroupDriver: 'systemd', cgroupVersion: 2, systemdInit: true });
});

test('resources: shares → weight as runc converts them', () => {
  assert.equal(sharesToWeight(0), 0);
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(512), 20);
  assert.equal(sharesToWeight(262144), 10000);
});

test('resources: the v2 files a request is written to', () => {
  assert.deepEqual(v2Files({ cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0', mems: '0' }, memory: { limit: 64 << 20, swap: 64 << 20 }, pids: { limit: 100 } }), {
    'cpu.weight': '39',
    'cpu.max': '50000 100000',
    'cpuset.cpus': '0',
    'cpuset.mems': '0',
    'memory.max': String(64 << 20),
    'memory.swap.max': '0',
    'pids.max': '100',
  });
  assert.deepEqual(v2Files({ cpu: { quota: -1, period: 20000 }, memory: { limit: -1, swap: -1 } }), { 'cpu.max': 'max 20000', 'memory.max': 'max', 'memory.swap.max': 'max' });
  assert.deepEqual(v2Files({ unified: { 'memory.high': '1000' } }), { 'memory.high': '1000' });
});

test('resources: unified keys must be v2 files; v1-only resources are refused naming the key', () => {
  const f = 'linux.resources.unified';
  checkUnified(2, { 'memory.high': '1', 'pids.max': '10', 'cpu.weight': '5' }, f);
  checkUnified(1, {}, f);
  assert.throws(() => checkUnified(1, { 'memory.high': '1' }, f), invalidNaming(/unified: needs cgroup v2/));
  for (const k of ['memory.kmem.limit_in_bytes', 'memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'cpu.shares', 'cpu.cfs_quota_us', 'blkio.weight', 'memory.swappiness']) {
    assert.throws(() => checkUnified(2, { [k]: '1' }, f), invalidNaming(new RegExp(`unified\\["${k.replace(/\./g, '\\.')}"\\]: a cgroup v1 resource`)), k);
  }
  assert.throws(() => checkUnified(2, { '../x': '1' }, f), invalidNaming(/not a cgroup file name/));
});

test('oom: memory.events / memory.oom_control counters', async () => {
  assert.equal(parseOomKills('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n'), 1n);
  assert.equal(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n'), 2n);
  assert.equal(parseOomKills('oom_kill_disable 0\nunder_oom 0\n'), undefined, 'kernel before 4.13');
  assert.equal(parseOomKills(undefined), undefined);
  assert.equal(oomEventsFile('/cg', 2, '/a/b'), '/cg/a/b/memory.events');
  assert.equal(oomEventsFile('/cg', 1, '/a/b'), '/cg/memory/a/b/memory.oom_control');
  const dir = await mkdtemp(join(tmpdir(), 'berth-oom-'));
  try {
    await writeFile(join(dir, 'memory.events'), 'oom 1\noom_kill 1\n');
    assert.equal(await readOomKills(join(dir, 'memory.events')), 1n);
    assert.equal(await readOomKills(join(dir, 'gone')), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('systemd bus: unit object paths and string properties', () => {
  assert.equal(unitObjectPath('berth-ab12.scope'), '/org/freedesktop/systemd1/unit/berth_2dab12_2escope');
  assert.equal(unitObjectPath('kubepods-besteffort-pod1_2.slice'), '/org/freedesktop/systemd1/unit/kubepods_2dbesteffort_2dpod1_5f2_2eslice');
  assert.equal(parseStringProperty('s "oom-kill"\n'), 'oom-kill');
  assert.equal(parseStringProperty('s ""'), '');
});

test('systemd bus: StartTransientUnit of a scope for an existing pid', () => {
  assert.deepEqual(startScopeArgs({ name: 'berth-conmon-abc.scope', slice: 'system.slice', pids: [42], description: 'd' }), [
    'call', '--system', 'org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager', 'StartTransientUnit', 'ssa(sv)a(sa(sv))',
    'berth-conmon-abc.scope', 'fail', '4',
    'Description', 's', 'd',
    'Slice', 's', 'system.slice',
    'PIDs', 'au', '1', '42',
    'CollectMode', 's', 'inactive-or-failed',
    '0',
  ]);
});
