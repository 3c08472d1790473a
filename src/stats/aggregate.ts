// A pod's usage when its own cgroup cannot be read (no cgroup_parent given, or
// it is gone): the sum of its containers' samples. Pure.
import type { CgroupSample, MemorySample } from '../cgroups/stats-parse.js';

export function sumSamples(samples: readonly CgroupSample[]): CgroupSample | undefined {
  const first = samples[0];
  if (!first) return undefined;
  const out: CgroupSample = { timestampNs: first.timestampNs, monotonicNs: first.monotonicNs };
  for (const s of samples) {
    if (s.timestampNs > out.timestampNs) out.timestampNs = s.timestampNs;
    if (s.monotonicNs > out.monotonicNs) out.monotonicNs = s.monotonicNs;
    if (s.cpu) out.cpu = { usageNs: (out.cpu?.usageNs ?? 0n) + s.cpu.usageNs };
    if (s.memory) out.memory = addMemory(out.memory, s.memory);
    if (s.pids) out.pids = { current: (out.pids?.current ?? 0n) + s.pids.current };
  }
  return out;
}

// Limits and available bytes do not add up across cgroups: a sum has none.
function addMemory(a: MemorySample | undefined, b: MemorySample): MemorySample {
  const m: MemorySample = {
    usageBytes: (a?.usageBytes ?? 0n) + b.usageBytes,
    workingSetBytes: (a?.workingSetBytes ?? 0n) + b.workingSetBytes,
    rssBytes: (a?.rssBytes ?? 0n) + b.rssBytes,
    pageFaults: (a?.pageFaults ?? 0n) + b.pageFaults,
    majorPageFaults: (a?.majorPageFaults ?? 0n) + b.majorPageFaults,
  };
  if (a?.oomKills !== undefined || b.oomKills !== undefined) m.oomKills = (a?.oomKills ?? 0n) + (b.oomKills ?? 0n);
  return m;
}
