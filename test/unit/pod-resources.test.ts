// UpdatePodSandboxResources' pure half: validation naming the field, the
// overhead + resources sum, and the cgroup files on v1 and v2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinuxContainerResources } from '../../src/api/gen/api.js';
import { cgroupWrites, sharesToWeightBig as sharesToWeight } from '../../src/cgroups/pod-limits.js';
import { podLimits } from '../../src/pod/pod-resources.js';
import { BerthError, Code } from '../../src/util/errors.js';

const r = (x: Partial<LinuxContainerResources>) => LinuxContainerResources.fromPartial(x);
const invalid = (re: RegExp) => (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument && re.test(e.message);

test('overhead + resources: shares and bounded limits add up; a side without a bound leaves it unbounded', () => {
  const l = podLimits(r({ cpuShares: 100n, cpuQuota: 10_000n, memoryLimitInBytes: 32n << 20n }), r({ cpuShares: 400n, cpuQuota: 40_000n, memoryLimitInBytes: 64n << 20n, cpusetCpus: '0' }));
  assert.deepEqual(l, { cpuShares: 500n, cpuQuota: 50_000n, cpuPeriod: 100_000n, memoryLimit: 96n << 20n, cpusetCpus: '0' });
  assert.deepEqual(podLimits(r({ cpuShares: 100n, memoryLimitInBytes: 1n << 20n }), r({ cpuShares: 2n })), { cpuShares: 102n, cpuPeriod: 100_000n });
  assert.deepEqual(podLimits(undefined, r({ cpuQuota: 20_000n, cpuPeriod: 50_000n })), { cpuQuota: 20_000n, cpuPeriod: 50_000n });
});

test('bad values name their field', () => {
  assert.throws(() => podLimits(undefined, undefined), invalid(/overhead and resources are both unset/));
  assert.throws(() => podLimits(undefined, r({ cpuQuota: -5n })), invalid(/^cri: resources\.cpu_quota must not be negative/));
  assert.throws(() => podLimits(r({ memoryLimitInBytes: 10n }), undefined), invalid(/overhead\.memory_limit_in_bytes must be at least a page/));
  assert.throws(() => podLimits(undefined, r({ cpuPeriod: 10n })), invalid(/resources\.cpu_period must be between/));
  assert.throws(() => podLimits(r({ cpuPeriod: 100_000n }), r({ cpuPeriod: 50_000n })), invalid(/cpu_period differ/));
  assert.throws(() => podLimits(undefined, r({ cpusetCpus: '0;rm' })), invalid(/resources\.cpuset_cpus "0;rm" is not a cpu list/));
  assert.throws(() => podLimits(undefined, r({ unified: { 'memory.high': '1' } })), invalid(/resources\.unified/));
  assert.throws(() => podLimits(undefined, r({ hugepageLimits: [{ pageSize: '2MB', limit: 1n }] })), invalid(/resources\.hugepage_limits/));
});

test('cgroup files: v1 per controller, v2 unified; unlimited spelled as each version does', () => {
  const l = { cpuShares: 1024n, cpuQuota: 50_000n, cpuPeriod: 100_000n, memoryLimit: 1n << 27n };
  assert.deepEqual(cgroupWrites(l, false), [
    { controller: 'cpu', file: 'cpu.shares', value: '1024' },
    { controller: 'cpu', file: 'cpu.cfs_period_us', value: '100000' },
    { controller: 'cpu', file: 'cpu.cfs_quota_us', value: '50000' },
    { controller: 'memory', file: 'memory.limit_in_bytes', value: String(1 << 27) },
  ]);
  assert.deepEqual(cgroupWrites({ cpuPeriod: 100_000n }, true), [
    { controller: '', file: 'cpu.max', value: 'max 100000' },
    { controller: '', file: 'memory.max', value: 'max' },
  ]);
  assert.equal(sharesToWeight(2n), 1n);
  assert.equal(sharesToWeight(1024n), 39n);
  assert.equal(sharesToWeight(262_144n), 10_000n);
  assert.deepEqual(cgroupWrites({ cpuPeriod: 100_000n }, false).map((w) => w.value), ['100000', '-1', '-1']);
});
