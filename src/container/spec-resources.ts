// cgroup resources, OOM score and devices of a container, from the CRI
// LinuxContainerResources and the devices the caller resolved on the host. Pure.
import type { Device, LinuxContainerResources } from '../api/gen/api.js';
import { checkUnified } from '../cgroups/resources.js';
import { invalidArgument } from '../util/errors.js';
import type { OciDevice, OciDeviceRule, OciResources } from './oci-spec-types.js';
import { absolute } from './spec-mounts.js';

export interface ResourceHost {
  cgroupV2: boolean;
  /** memory.memsw.* (v1) or memory.swap.max (v2) exists. */
  swapController: boolean;
  /** The hugetlb controller exists. */
  hugetlbController: boolean;
}

const FIELD = 'linux.resources';

/** cpu, memory, hugepages and unified; zero means "not set" in the CRI. */
export function buildResources(r: LinuxContainerResources | undefined, host: ResourceHost): OciResources {
  const out: OciResources = {};
  if (!r) return out;
  const cpu: NonNullable<OciResources['cpu']> = {};
  const shares = toNumber(r.cpuShares, `${FIELD}.cpu_shares`, 0);
  const quota = toNumber(r.cpuQuota, `${FIELD}.cpu_quota`, -1);
  const period = toNumber(r.cpuPeriod, `${FIELD}.cpu_period`, 0);
  // The kernel's ranges (cpu.shares, cfs_quota_us, cfs_period_us): beyond them runc fails as an internal error.
  if (shares !== 0 && (shares < 2 || shares > 262144)) throw invalidArgument('cri', `${FIELD}.cpu_shares: ${shares} is outside 2…262144`);
  if (quota !== 0 && quota !== -1 && quota < 1000) throw invalidArgument('cri', `${FIELD}.cpu_quota: ${quota} is below 1000 (1 ms)`);
  if (period !== 0 && (period < 1000 || period > 1_000_000)) throw invalidArgument('cri', `${FIELD}.cpu_period: ${period} is outside 1000…1000000`);
  if (shares !== 0) cpu.shares = shares;
  if (quota !== 0) cpu.quota = quota;
  if (period !== 0) cpu.period = period;
  if (r.cpusetCpus !== '') cpu.cpus = cpuset(r.cpusetCpus, `${FIELD}.cpuset_cpus`);
  if (r.cpusetMems !== '') cpu.mems = cpuset(r.cpusetMems, `${FIELD}.cpuset_mems`);
  if (Object.keys(cpu).length > 0) out.cpu = cpu;

  const memory: NonNullable<OciResources['memory']> = {};
  // -1 lifts a limit on update (runc writes it as unlimited on v1, "max" on v2); 0 means "not set".
  const limit = toNumber(r.memoryLimitInBytes, `${FIELD}.memory_limit_in_bytes`, -1);
  const swap = toNumber(r.memorySwapLimitInBytes, `${FIELD}.memory_swap_limit_in_bytes`, -1);
  if (limit !== 0) memory.limit = limit;
  // swap is memory+swap: equal to the limit means "no swap" (containerd's default when a limit is set).
  if (host.swapController) {
    if (swap !== 0) memory.swap = swap;
    else if (limit !== 0) memory.swap = limit;
  }
  if (memory.swap !== undefined && memory.swap !== -1 && memory.limit !== undefined && memory.swap < memory.limit) {
    throw invalidArgument('cri', `${FIELD}.memory_swap_limit_in_bytes: ${memory.swap} is below memory_limit_in_bytes ${memory.limit}`);
  }
  if (Object.keys(memory).length > 0) out.memory = memory;

  // As containerd with tolerate_missing_hugetlb_controller: skipped when the controller is absent.
  if (r.hugepageLimits.length > 0 && host.hugetlbController) {
    out.hugepageLimits = r.hugepageLimits.map((h, i) => {
      if (!/^\d+(KB|MB|GB|TB|PB)$/.test(h.pageSize)) throw invalidArgument('cri', `${FIELD}.hugepage_limits[${i}].page_size: "${h.pageSize}" is not a page size like 2MB`);
      return { pageSize: h.pageSize, limit: toNumber(h.limit, `${FIELD}.hugepage_limits[${i}].limit`, 0) };
    });
  }

  const unified = Object.entries(r.unified);
  if (unified.length > 0) {
    checkUnified(host.cgroupV2 ? 2 : 1, r.unified, `${FIELD}.unified`);
    out.unified = Object.fromEntries(unified);
  }
  return out;
}

/**
 * The CRI value; where berthd cannot lower its own score (no
 * CAP_SYS_RESOURCE) nothing below its current value, and never negative,
 * or runc fails writing it (containerd's restrict_oom_score_adj).
 */
export function oomScoreAdj(r: LinuxContainerResources | undefined, host: { canLowerOomScoreAdj: boolean; currentOomScoreAdj: number }): number | undefined {
  if (!r) return undefined;
  const want = Number(r.oomScoreAdj);
  if (want < -1000 || want > 1000) throw invalidArgument('cri', `${FIELD}.oom_score_adj: ${r.oomScoreAdj} is outside -1000…1000`);
  if (host.canLowerOomScoreAdj) return want;
  return Math.max(want, host.currentOomScoreAdj, 0);
}

/** A device node the caller found on the host for one of the CRI devices. */
export interface ResolvedDevice {
  /** Path inside the container. */
  path: string;
  type: 'c' | 'b' | 'u' | 'p';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
  /** r, w, m: what the devices cgroup allows. */
  permissions: string;
}

export function validateCriDevices(devices: readonly Device[]): void {
  devices.forEach((d, i) => {
    absolute(d.containerPath, `devices[${i}].container_path`);
    absolute(d.hostPath, `devices[${i}].host_path`);
    devicePermissions(d.permissions, `devices[${i}].permissions`);
  });
}

/** "" means rwm (the kubelet always sends some); anything but r, w, m is an error. */
export function devicePermissions(p: string, field: string): string {
  if (p === '') return 'rwm';
  if (!/^[rwm]+$/.test(p)) throw invalidArgument('cri', `${field}: "${p}" may only contain r, w and m`);
  return ['r', 'w', 'm'].filter((c) => p.includes(c)).join('');
}

export function buildDevices(devices: readonly ResolvedDevice[], privileged: boolean): { devices: OciDevice[]; rules: OciDeviceRule[] } {
  // Deny all, then allow what is listed; runc adds the standard nodes (null, zero, tty …) itself.
  const rules: OciDeviceRule[] = [{ allow: false, access: 'rwm' }];
  const out: OciDevice[] = [];
  for (const d of devices) {
    const dev: OciDevice = { path: absolute(d.path, `device ${d.path}`), type: d.type, major: d.major, minor: d.minor };
    if (d.fileMode !== undefined) dev.fileMode = d.fileMode;
    if (d.uid !== undefined) dev.uid = d.uid;
    if (d.gid !== undefined) dev.gid = d.gid;
    out.push(dev);
    // A fifo needs no cgroup rule; an unbuffered char device is a char device to the cgroup.
    // CDI's "none": the node exists but the cgroup grants no access to it.
    if (d.type !== 'p' && d.permissions !== 'none') {
      rules.push({ allow: true, type: d.type === 'b' ? 'b' : 'c', major: d.major, minor: d.minor, access: devicePermissions(d.permissions, `device ${d.path}`) });
    }
  }
  if (privileged) rules.push({ allow: true, access: 'rwm' });
  return { devices: out, rules };
}

function toNumber(v: bigint, field: string, min: number): number {
  if (v < BigInt(min)) throw invalidArgument('cri', `${field}: ${v} is below ${min}`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument('cri', `${field}: ${v} is too large`);
  return Number(v);
}

function cpuset(v: string, field: string): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) throw invalidArgument('cri', `${field}: "${v}" is not a CPU/node list like 0-3,6`);
  return v;
}
