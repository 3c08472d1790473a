// cgroup v2: one unified hierarchy; every controller's files in one directory.
import { join } from 'node:path';
import {
  ALL_PARTS,
  clockNow,
  limitOf,
  memorySample,
  normaliseCgroupPath,
  numberOf,
  parseFlatKeyed,
  parseUint,
  type CgroupSample,
  type Clock,
  type ReadFile,
  type SampleParts,
} from './stats-parse.js';
import { readOptional } from './read-optional.js';

/** The raw interface files a v2 sample is made of; undefined = absent. */
export interface V2Files {
  cpuStat?: string;
  memoryCurrent?: string;
  memoryMax?: string;
  memoryStat?: string;
  memoryEvents?: string;
  swapCurrent?: string;
  swapMax?: string;
  pidsCurrent?: string;
}

/** The memory.stat keys a sample is made of. */
const V2_STAT_KEYS: ReadonlySet<string> = new Set(['inactive_file', 'anon', 'pgfault', 'pgmajfault']);

/** Pure: raw v2 files → sample. RSS is `anon`, as cadvisor and containerd report on v2. */
export function sampleV2(f: V2Files, clock: Clock): CgroupSample {
  const s: CgroupSample = { ...clock };
  const usec = f.cpuStat === undefined ? undefined : parseFlatKeyed(f.cpuStat).get('usage_usec');
  if (usec !== undefined) s.cpu = { usageNs: usec * 1000n };
  const usage = numberOf(parseUint(f.memoryCurrent));
  if (usage !== undefined) {
    const stat = parseFlatKeyed(f.memoryStat ?? '', V2_STAT_KEYS);
    s.memory = memorySample({
      usage,
      inactiveFile: stat.get('inactive_file'),
      rss: stat.get('anon'),
      pageFaults: stat.get('pgfault'),
      majorPageFaults: stat.get('pgmajfault'),
      limit: limitOf(parseUint(f.memoryMax)),
      oomKills: f.memoryEvents === undefined ? undefined : parseFlatKeyed(f.memoryEvents).get('oom_kill'),
    });
  }
  const swap = numberOf(parseUint(f.swapCurrent));
  if (swap !== undefined) {
    s.swap = { usageBytes: swap };
    const max = limitOf(parseUint(f.swapMax));
    if (max !== undefined) s.swap.limitBytes = max;
  }
  const pids = numberOf(parseUint(f.pidsCurrent));
  if (pids !== undefined) s.pids = { current: pids };
  return s;
}

/** Reads the cgroup at `path` under the unified mount `root`; undefined when it does not exist. */
export async function readCgroupV2(
  root: string,
  path: string,
  clock: () => Clock = clockNow,
  read: ReadFile = readOptional,
  parts: SampleParts = ALL_PARTS,
): Promise<CgroupSample | undefined> {
  const dir = join(root, normaliseCgroupPath(path));
  const at = (file: string): Promise<string | undefined> => read(join(dir, file));
  const none = Promise.resolve(undefined);
  const [cpuStat, memoryCurrent, memoryMax, memoryStat, memoryEvents, swapCurrent, swapMax, pidsCurrent] = await Promise.all([
    at('cpu.stat'),
    at('memory.current'),
    at('memory.max'),
    at('memory.stat'),
    parts.oomKills ? at('memory.events') : none,
    at('memory.swap.current'),
    at('memory.swap.max'),
    parts.pids ? at('pids.current') : none,
  ]);
  const now = clock();
  // cpu.stat exists in every v2 cgroup, whatever controllers are enabled.
  if (cpuStat === undefined && memoryCurrent === undefined) return undefined;
  return sampleV2({ cpuStat, memoryCurrent, memoryMax, memoryStat, memoryEvents, swapCurrent, swapMax, pidsCurrent }, now);
}
