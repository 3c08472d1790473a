// cgroup v1: one hierarchy per controller under the mount root
// (<root>/cpuacct, <root>/memory, <root>/pids), the same relative path in each.
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

/** The raw interface files a v1 sample is made of; undefined = absent. */
export interface V1Files {
  cpuacctUsage?: string;
  memoryUsage?: string;
  memoryLimit?: string;
  memoryStat?: string;
  memoryOomControl?: string;
  memswUsage?: string;
  memswLimit?: string;
  pidsCurrent?: string;
}

/** The memory.stat keys a sample is made of. */
const V1_STAT_KEYS: ReadonlySet<string> = new Set(['total_inactive_file', 'inactive_file', 'total_rss', 'rss', 'total_pgfault', 'pgfault', 'total_pgmajfault', 'pgmajfault']);

/** Pure: raw v1 files → sample. Hierarchical (total_*) counters, as containerd and cadvisor use. */
export function sampleV1(f: V1Files, clock: Clock): CgroupSample {
  const s: CgroupSample = { ...clock };
  const cpu = numberOf(parseUint(f.cpuacctUsage));
  if (cpu !== undefined) s.cpu = { usageNs: cpu };
  const usage = numberOf(parseUint(f.memoryUsage));
  if (usage !== undefined) {
    const stat = parseFlatKeyed(f.memoryStat ?? '', V1_STAT_KEYS);
    const limit = limitOf(parseUint(f.memoryLimit));
    s.memory = memorySample({
      usage,
      inactiveFile: stat.get('total_inactive_file') ?? stat.get('inactive_file'),
      rss: stat.get('total_rss') ?? stat.get('rss'),
      pageFaults: stat.get('total_pgfault') ?? stat.get('pgfault'),
      majorPageFaults: stat.get('total_pgmajfault') ?? stat.get('pgmajfault'),
      limit,
      oomKills: f.memoryOomControl === undefined ? undefined : parseFlatKeyed(f.memoryOomControl).get('oom_kill'),
    });
    // memsw counts memory + swap; present only with swap accounting on.
    const memsw = numberOf(parseUint(f.memswUsage));
    if (memsw !== undefined) {
      const swLimit = limitOf(parseUint(f.memswLimit));
      s.swap = { usageBytes: memsw > usage ? memsw - usage : 0n };
      if (swLimit !== undefined && limit !== undefined) s.swap.limitBytes = swLimit > limit ? swLimit - limit : 0n;
    }
  }
  const pids = numberOf(parseUint(f.pidsCurrent));
  if (pids !== undefined) s.pids = { current: pids };
  return s;
}

/** Reads the cgroup at `path` in every v1 controller hierarchy; undefined when it exists in none. */
export async function readCgroupV1(
  root: string,
  path: string,
  clock: () => Clock = clockNow,
  read: ReadFile = readOptional,
  parts: SampleParts = ALL_PARTS,
): Promise<CgroupSample | undefined> {
  const rel = normaliseCgroupPath(path);
  const at = (controller: string, file: string): Promise<string | undefined> => read(join(root, controller, rel, file));
  const none = Promise.resolve(undefined);
  const [cpuacctUsage, memoryUsage, memoryLimit, memoryStat, memoryOomControl, memswUsage, memswLimit, pidsCurrent] = await Promise.all([
    at('cpuacct', 'cpuacct.usage'),
    at('memory', 'memory.usage_in_bytes'),
    at('memory', 'memory.limit_in_bytes'),
    at('memory', 'memory.stat'),
    parts.oomKills ? at('memory', 'memory.oom_control') : none,
    at('memory', 'memory.memsw.usage_in_bytes'),
    at('memory', 'memory.memsw.limit_in_bytes'),
    parts.pids ? at('pids', 'pids.current') : none,
  ]);
  const now = clock();
  if (cpuacctUsage === undefined && memoryUsage === undefined && pidsCurrent === undefined) return undefined;
  return sampleV1({ cpuacctUsage, memoryUsage, memoryLimit, memoryStat, memoryOomControl, memswUsage, memswLimit, pidsCurrent }, now);
}
