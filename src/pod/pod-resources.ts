// UpdatePodSandboxResources (in-place pod resize): the pod-level cgroup's
// limits are the pod's overhead plus the sum of its containers' resources
// (the CRI's `resources`). Pure: validation naming the field, the sum, and
// the cgroup interface files that express it on v1 and v2. The writer is
// pod-cgroup.ts.
//
// Only the cgroupfs driver here: under systemd the pod's slice belongs to
// systemd, whose unit properties would have to be set over D-Bus (the
// cgroups module's job once it owns the systemd driver).
import type { LinuxContainerResources } from '../api/gen/api.js';
import { invalidArgument } from '../util/errors.js';

export interface PodLimits {
  /** cpu.shares (v1) → cpu.weight (v2); undefined = leave as is. */
  cpuShares?: bigint;
  /** CFS quota and period in µs; quota undefined = unlimited. */
  cpuQuota?: bigint;
  cpuPeriod?: bigint;
  /** Bytes; undefined = unlimited. */
  memoryLimit?: bigint;
  cpusetCpus?: string;
  cpusetMems?: string;
}

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

/** One interface file to write: relative to the hierarchy root (v2) or to <root>/<controller> (v1). */
export interface CgroupWrite {
  /** v1 controller directory ('cpu', 'memory', 'cpuset'); '' on v2. */
  controller: string;
  file: string;
  value: string;
}

/** cgroup v1 shares → v2 weight, the conversion runc and the kubelet use. */
export function sharesToWeight(shares: bigint): bigint {
  return 1n + ((shares - 2n) * 9999n) / 262_142n;
}

/** Pure: the files expressing `l`, in a safe order (cpuset and period before quota). */
export function cgroupWrites(l: PodLimits, v2: boolean): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  if (v2) {
    if (l.cpusetCpus) w.push({ controller: '', file: 'cpuset.cpus', value: l.cpusetCpus });
    if (l.cpusetMems) w.push({ controller: '', file: 'cpuset.mems', value: l.cpusetMems });
    if (l.cpuShares !== undefined) w.push({ controller: '', file: 'cpu.weight', value: String(sharesToWeight(l.cpuShares)) });
    w.push({ controller: '', file: 'cpu.max', value: `${l.cpuQuota === undefined ? 'max' : String(l.cpuQuota)} ${String(l.cpuPeriod ?? DEFAULT_PERIOD)}` });
    w.push({ controller: '', file: 'memory.max', value: l.memoryLimit === undefined ? 'max' : String(l.memoryLimit) });
    return w;
  }
  if (l.cpusetCpus) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: l.cpusetCpus });
  if (l.cpusetMems) w.push({ controller: 'cpuset', file: 'cpuset.mems', value: l.cpusetMems });
  if (l.cpuShares !== undefined) w.push({ controller: 'cpu', file: 'cpu.shares', value: String(l.cpuShares) });
  w.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(l.cpuPeriod ?? DEFAULT_PERIOD) });
  w.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: l.cpuQuota === undefined ? '-1' : String(l.cpuQuota) });
  // v1 reads back "unlimited" as 2^63 rounded down to the page size.
  w.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: l.memoryLimit === undefined ? '-1' : String(l.memoryLimit) });
  return w;
}
