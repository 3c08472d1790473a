// UpdatePodSandboxResources (in-place pod resize): the pod-level cgroup's
// limits are the pod's overhead plus the sum of its containers' resources
// (the CRI's `resources`). Pure: validation naming the field and the sum;
// the cgroup files and their writing belong to src/cgroups/pod-limits.ts.
import type { LinuxContainerResources } from '../api/gen/api.js';
import type { PodLimits } from '../cgroups/pod-limits.js';
import { invalidArgument } from '../util/errors.js';

const CPUSET = /^[0-9,-]*$/;
const DEFAULT_PERIOD = 100_000n;

function checkOne(r: LinuxContainerResources, field: string): void {
  const neg = (v: bigint, name: string): void => {
    if (v < 0n) throw invalidArgument('cri', `${field}.${name} must not be negative (got ${v})`);
  };
  neg(r.cpuShares, 'cpu_shares');
  neg(r.cpuQuota, 'cpu_quota');
  neg(r.cpuPeriod, 'cpu_period');
  neg(r.memoryLimitInBytes, 'memory_limit_in_bytes');
  if (r.cpuPeriod !== 0n && (r.cpuPeriod < 1000n || r.cpuPeriod > 1_000_000n)) throw invalidArgument('cri', `${field}.cpu_period must be between 1000 and 1000000 µs (got ${r.cpuPeriod})`);
  if (r.cpuQuota !== 0n && r.cpuQuota < 1000n) throw invalidArgument('cri', `${field}.cpu_quota must be at least 1000 µs (got ${r.cpuQuota})`);
  if (r.memoryLimitInBytes !== 0n && r.memoryLimitInBytes < 4096n) throw invalidArgument('cri', `${field}.memory_limit_in_bytes must be at least a page (got ${r.memoryLimitInBytes})`);
  if (!CPUSET.test(r.cpusetCpus)) throw invalidArgument('cri', `${field}.cpuset_cpus "${r.cpusetCpus}" is not a cpu list`);
  if (!CPUSET.test(r.cpusetMems)) throw invalidArgument('cri', `${field}.cpuset_mems "${r.cpusetMems}" is not a node list`);
  if (r.hugepageLimits.length > 0) throw invalidArgument('cri', `${field}.hugepage_limits: pod-level hugepage limits are not supported`);
  if (Object.keys(r.unified).length > 0) throw invalidArgument('cri', `${field}.unified: pod-level unified cgroup settings are not supported`);
}

/**
 * overhead + resources → the pod's limits. A limit set in only one of them
 * stays unlimited overall (the other side has no bound); quotas are summed
 * over a common period.
 */
export function podLimits(overhead: LinuxContainerResources | undefined, resources: LinuxContainerResources | undefined): PodLimits {
  if (!overhead && !resources) throw invalidArgument('cri', 'overhead and resources are both unset: nothing to update');
  if (overhead) checkOne(overhead, 'overhead');
  if (resources) checkOne(resources, 'resources');
  const parts = [overhead, resources].filter((r): r is LinuxContainerResources => r !== undefined);
  const out: PodLimits = {};
  const shares = parts.reduce((s, r) => s + r.cpuShares, 0n);
  if (shares > 0n) out.cpuShares = shares < 2n ? 2n : shares > 262_144n ? 262_144n : shares;
  const periods = [...new Set(parts.map((r) => r.cpuPeriod).filter((p) => p !== 0n))];
  if (periods.length > 1) throw invalidArgument('cri', `overhead.cpu_period and resources.cpu_period differ (${periods.join(' vs ')}): a pod has one period`);
  const period = periods[0] ?? DEFAULT_PERIOD;
  out.cpuPeriod = period;
  if (parts.every((r) => r.cpuQuota > 0n)) out.cpuQuota = parts.reduce((s, r) => s + r.cpuQuota, 0n);
  if (parts.every((r) => r.memoryLimitInBytes > 0n)) out.memoryLimit = parts.reduce((s, r) => s + r.memoryLimitInBytes, 0n);
  const cpus = resources?.cpusetCpus || overhead?.cpusetCpus;
  if (cpus) out.cpusetCpus = cpus;
  const mems = resources?.cpusetMems || overhead?.cpusetMems;
  if (mems) out.cpusetMems = mems;
  return out;
}
