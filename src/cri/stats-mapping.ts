// Normalised samples (src/stats) → CRI stats messages. Pure.
import type {
  CpuUsage,
  FilesystemUsage,
  MemoryUsage,
  NetworkInterfaceUsage,
  NetworkUsage,
  ProcessUsage,
  SwapUsage,
  UInt64Value,
} from '../api/gen/api.js';
import type { CgroupSample } from '../cgroups/stats-parse.js';
import type { DiskUsageSample } from '../stats/fs-usage.js';
import type { NetDevCounters, PodNetwork } from '../stats/net-stats.js';

const u64 = (value: bigint): UInt64Value => ({ value });

export function toCpuUsage(s: CgroupSample, nanoCores: bigint): CpuUsage | undefined {
  if (!s.cpu) return undefined;
  return { timestamp: s.timestampNs, usageCoreNanoSeconds: u64(s.cpu.usageNs), usageNanoCores: u64(nanoCores), psi: undefined };
}

export function toMemoryUsage(s: CgroupSample): MemoryUsage | undefined {
  const m = s.memory;
  if (!m) return undefined;
  return {
    timestamp: s.timestampNs,
    workingSetBytes: u64(m.workingSetBytes),
    // Only meaningful against a limit; the kubelet reads "absent" as unlimited.
    availableBytes: m.availableBytes === undefined ? undefined : u64(m.availableBytes),
    usageBytes: u64(m.usageBytes),
    rssBytes: u64(m.rssBytes),
    pageFaults: u64(m.pageFaults),
    majorPageFaults: u64(m.majorPageFaults),
    psi: undefined,
  };
}

export function toSwapUsage(s: CgroupSample): SwapUsage | undefined {
  const w = s.swap;
  if (!w) return undefined;
  const avail = w.limitBytes === undefined ? undefined : w.limitBytes > w.usageBytes ? w.limitBytes - w.usageBytes : 0n;
  return { timestamp: s.timestampNs, swapUsageBytes: u64(w.usageBytes), swapAvailableBytes: avail === undefined ? undefined : u64(avail) };
}

export function toWritableLayer(d: DiskUsageSample, mountpoint: string): FilesystemUsage {
  return { timestamp: d.timestampNs, fsId: { mountpoint }, usedBytes: u64(d.bytes), inodesUsed: u64(d.inodes) };
}

function toInterface(c: NetDevCounters): NetworkInterfaceUsage {
  return { name: c.name, rxBytes: u64(c.rxBytes), rxErrors: u64(c.rxErrors), txBytes: u64(c.txBytes), txErrors: u64(c.txErrors) };
}

export function toNetworkUsage(n: PodNetwork, timestampNs: bigint): NetworkUsage {
  return {
    timestamp: timestampNs,
    defaultInterface: n.defaultInterface ? toInterface(n.defaultInterface) : undefined,
    interfaces: n.interfaces.map(toInterface),
  };
}

export function toProcessUsage(s: CgroupSample): ProcessUsage | undefined {
  return s.pids ? { timestamp: s.timestampNs, processCount: u64(s.pids.current) } : undefined;
}
