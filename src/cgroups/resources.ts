// What cgroup resource requests mean on each hierarchy version. Pure.
// runc (or crun) writes the files from the OCI spec; these rules refuse what
// a version cannot express before anything is created, and say which v2
// files a request ends up in (the conversions are runc's).
import { invalidArgument } from '../util/errors.js';
import type { CgroupVersion } from './driver.js';

/** Controllers of the unified hierarchy (cgroup.* are the core files). */
const V2_CONTROLLERS = new Set(['cgroup', 'cpu', 'cpuset', 'io', 'memory', 'pids', 'hugetlb', 'rdma', 'misc']);
/** v1 file names that share a v2 controller's prefix but do not exist on v2 (kernel memory, memsw, CFS knobs …). */
const V1_ONLY = /(^memory\.(kmem|memsw)\.|_in_bytes$|^memory\.(swappiness|oom_control|use_hierarchy|move_charge_at_immigrate|force_empty)$|^cpu\.(shares|cfs_|rt_)|^cpuset\.(cpu_exclusive|mem_exclusive|memory_|sched_))/;

/** Checks CRI linux.resources.unified for this host: v2 only, and only v2 file names. */
export function checkUnified(version: CgroupVersion, unified: Record<string, string>, field: string): void {
  const keys = Object.keys(unified);
  if (keys.length === 0) return;
  if (version !== 2) throw invalidArgument('cri', `${field}: needs cgroup v2, and this host uses cgroup v1`);
  for (const k of keys) {
    if (k === '' || k.includes('/') || k.startsWith('.') || !k.includes('.')) throw invalidArgument('cri', `${field}["${k}"]: not a cgroup file name`);
    const controller = k.slice(0, k.indexOf('.'));
    if (!V2_CONTROLLERS.has(controller) || V1_ONLY.test(k)) {
      throw invalidArgument('cri', `${field}["${k}"]: a cgroup v1 resource (e.g. kernel memory); this host uses cgroup v2, which has no such file`);
    }
  }
}

/** cpu.shares (2…262144) → cpu.weight (1…10000), runc's linear map; 0 stays "unset". */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** The OCI LinuxResources fields this module maps (a subset of runtime-spec's). */
export interface CgroupResources {
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  memory?: { limit?: number; swap?: number; reservation?: number };
  pids?: { limit?: number };
  unified?: Record<string, string>;
}

/** Default CFS period when only a quota is given (the kernel's and runc's). */
const DEFAULT_PERIOD_US = 100_000;

/**
 * The v2 interface files (and values) a resource request is written to,
 * as runc 1.1 writes them. -1 means "no limit" ("max").
 */
export function v2Files(r: CgroupResources): Record<string, string> {
  const out: Record<string, string> = {};
  const max = (v: number): string => (v === -1 ? 'max' : String(v));
  const cpu = r.cpu ?? {};
  if (cpu.shares) out['cpu.weight'] = String(sharesToWeight(cpu.shares));
  if (cpu.quota !== undefined || cpu.period !== undefined) {
    const quota = cpu.quota === undefined || cpu.quota <= 0 ? 'max' : String(cpu.quota);
    out['cpu.max'] = `${quota} ${cpu.period || DEFAULT_PERIOD_US}`;
  }
  if (cpu.cpus) out['cpuset.cpus'] = cpu.cpus;
  if (cpu.mems) out['cpuset.mems'] = cpu.mems;
  const mem = r.memory ?? {};
  if (mem.limit !== undefined) out['memory.max'] = max(mem.limit);
  // OCI swap is memory+swap; v2 limits swap alone.
  if (mem.swap !== undefined) out['memory.swap.max'] = mem.swap === -1 || mem.limit === undefined || mem.limit === -1 ? 'max' : String(mem.swap - mem.limit);
  if (mem.reservation !== undefined) out['memory.low'] = max(mem.reservation);
  if (r.pids?.limit !== undefined) out['pids.max'] = r.pids.limit <= 0 ? 'max' : String(r.pids.limit);
  return { ...out, ...r.unified };
}
