// A pod's own limits in its cgroup parent (UpdatePodSandboxResources): the
// interface files that express them on v1 and v2 (pure), and the writer,
// all or nothing — each file's old value is read first and written back if a
// later write fails (the kernel refuses e.g. a memory limit below what the
// pod uses). The sum of overhead and resources is src/pod/pod-resources.ts.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BerthError, Code, errnoCode, errorMessage } from '../util/errors.js';
import { sharesToWeight } from './resources.js';

const DEFAULT_PERIOD = 100_000n;

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

/** One interface file to write: relative to the hierarchy root (v2) or to <root>/<controller> (v1). */
export interface CgroupWrite {
  /** v1 controller directory ('cpu', 'memory', 'cpuset'); '' on v2. */
  controller: string;
  file: string;
  value: string;
}

/** cgroup v1 shares → v2 weight, the conversion runc and the kubelet use. */
export function sharesToWeightBig(shares: bigint): bigint {
  return BigInt(sharesToWeight(Number(shares)));
}

/** Pure: the files expressing `l`, in a safe order (cpuset and period before quota). */
export function cgroupWrites(l: PodLimits, v2: boolean): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  if (v2) {
    if (l.cpusetCpus) w.push({ controller: '', file: 'cpuset.cpus', value: l.cpusetCpus });
    if (l.cpusetMems) w.push({ controller: '', file: 'cpuset.mems', value: l.cpusetMems });
    if (l.cpuShares !== undefined) w.push({ controller: '', file: 'cpu.weight', value: String(sharesToWeightBig(l.cpuShares)) });
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

const pathOf = (root: string, parent: string, w: CgroupWrite): string => join(root, w.controller, posix.normalize(`/${parent}`), w.file);

/** Applies `writes` under `parent`; returns what each file reads back afterwards, by "controller/file". */
export async function applyCgroupWrites(root: string, parent: string, writes: readonly CgroupWrite[]): Promise<Record<string, string>> {
  const done: { w: CgroupWrite; old: string }[] = [];
  try {
    for (const w of writes) {
      const p = pathOf(root, parent, w);
      // runc creates the parent in each hierarchy when the first container starts; a pod without one yet gets it now.
      await mkdir(join(p, '..'), { recursive: true });
      const old = (await readFile(p, 'utf8')).trim();
      try {
        await writeFile(p, w.value);
      } catch (e) {
        const why = errnoCode(e) === 'EBUSY' || errnoCode(e) === 'EINVAL' ? ' (the kernel refused it: below current usage, or outside what the parent allows?)' : '';
        throw new BerthError(Code.FailedPrecondition, 'runtime', `cannot write ${w.value} to ${p}${why}: ${errorMessage(e)}`);
      }
      done.push({ w, old });
    }
  } catch (e) {
    for (const { w, old } of done.reverse()) await writeFile(pathOf(root, parent, w), old).catch(() => undefined);
    throw e;
  }
  const out: Record<string, string> = {};
  for (const w of writes) out[w.controller ? `${w.controller}/${w.file}` : w.file] = (await readFile(pathOf(root, parent, w), 'utf8')).trim();
  return out;
}
