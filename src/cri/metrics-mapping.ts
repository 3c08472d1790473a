// Normalised samples (the same cgroup, writable-layer and netns readers as the
// stats RPCs) → CRI Metric messages in the catalog's shape. Pure: every metric
// carries exactly the label values its descriptor has keys for, which the
// kubelet requires (a count mismatch drops the sample).
import type { Metric } from '../api/gen/api.js';
import type { CgroupSample } from '../cgroups/stats-parse.js';
import type { DiskUsageSample } from '../stats/fs-usage.js';
import type { NetDevCounters } from '../stats/net-stats.js';
import { METRICS, type MetricKey } from './metrics-catalog.js';

/** Values of BASE_LABEL_KEYS (container, id, image, name, namespace, pod). */
export interface BaseLabels {
  container: string;
  id: string;
  image: string;
  name: string;
  namespace: string;
  pod: string;
}

/** The filesystem holding writable layers (statfs): capacity and inodes. */
export interface FsCapacity {
  bytes: bigint;
  inodes: bigint;
  inodesFree: bigint;
}

export class MetricBuilder {
  readonly out: Metric[] = [];
  private readonly base: string[];

  constructor(labels: BaseLabels) {
    this.base = [labels.container, labels.id, labels.image, labels.name, labels.namespace, labels.pod];
  }

  add(key: MetricKey, timestampNs: bigint, value: bigint, extra: readonly string[] = []): void {
    const m = METRICS[key];
    if (extra.length !== m.extraLabels.length) throw new Error(`metric ${m.name}: ${extra.length} extra label values for ${m.extraLabels.length} keys`);
    this.out.push({ name: m.name, timestamp: timestampNs, metricType: m.type, labelValues: [...this.base, ...extra], value: { value: value < 0n ? 0n : value } });
  }
}

const NS_PER_S = 1_000_000_000n;

/** cgroup numbers of a container (or of the pod's own cgroup). */
export function addCgroupMetrics(b: MetricBuilder, s: CgroupSample): void {
  const t = s.timestampNs;
  if (s.cpu) b.add('cpuUsage', t, s.cpu.usageNs / NS_PER_S, ['total']);
  const m = s.memory;
  if (m) {
    b.add('memoryUsage', t, m.usageBytes);
    b.add('memoryWorkingSet', t, m.workingSetBytes);
    b.add('memoryRss', t, m.rssBytes);
    // The kernel's counters are hierarchical, which for a container's own (leaf) cgroup is the container.
    b.add('memoryFailures', t, m.pageFaults, ['pgfault', 'container']);
    b.add('memoryFailures', t, m.majorPageFaults, ['pgmajfault', 'container']);
    // cAdvisor reports an unlimited container as 0.
    b.add('specMemoryLimit', t, m.limitBytes ?? 0n);
    if (m.oomKills !== undefined) b.add('oomEvents', t, m.oomKills);
  }
  if (s.swap) b.add('memorySwap', t, s.swap.usageBytes);
  // pids.current: the tasks in the cgroup, what the CRI's process_count reports too.
  if (s.pids) b.add('processes', t, s.pids.current);
  b.add('lastSeen', t, t / NS_PER_S);
}

/** The writable layer, and the filesystem it lives on. */
export function addFsMetrics(b: MetricBuilder, layer: DiskUsageSample, fs: FsCapacity | undefined): void {
  const t = layer.timestampNs;
  b.add('fsUsage', t, layer.bytes);
  b.add('fsInodesUsed', t, layer.inodes);
  if (fs) {
    b.add('fsLimit', t, fs.bytes);
    b.add('fsInodesTotal', t, fs.inodes);
    b.add('fsInodesFree', t, fs.inodesFree);
  }
}

/** Pod network counters, one series per interface (loopback left out, as cAdvisor does). */
export function addNetworkMetrics(b: MetricBuilder, timestampNs: bigint, ifaces: readonly NetDevCounters[]): void {
  for (const i of ifaces) {
    if (i.name === 'lo') continue;
    const l = [i.name];
    b.add('netRxBytes', timestampNs, i.rxBytes, l);
    b.add('netRxPackets', timestampNs, i.rxPackets, l);
    b.add('netRxDropped', timestampNs, i.rxDropped, l);
    b.add('netRxErrors', timestampNs, i.rxErrors, l);
    b.add('netTxBytes', timestampNs, i.txBytes, l);
    b.add('netTxPackets', timestampNs, i.txPackets, l);
    b.add('netTxDropped', timestampNs, i.txDropped, l);
    b.add('netTxErrors', timestampNs, i.txErrors, l);
  }
}
