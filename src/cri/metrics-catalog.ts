// The metrics berthd answers ListMetricDescriptors / ListPodSandboxMetrics
// with: cAdvisor's names, help texts and types, so that the kubelet's
// PodAndContainerStatsFromCRI path (its CRI metrics collector turns each
// descriptor into a Prometheus description and each Metric into a sample,
// matched by name, label values by position) serves /metrics/cadvisor as
// cAdvisor would. Pure data.
//
// Label keys: cAdvisor's own (id, name, image) and the three the kubelet adds
// to them on its cAdvisor path (container, pod, namespace), so dashboards
// selecting {namespace, pod, container} keep working. A pod-level series has
// container "" and name "POD" (the sandbox), as CRI-O names it.
import { MetricType } from '../api/gen/api.js';

export const BASE_LABEL_KEYS = ['container', 'id', 'image', 'name', 'namespace', 'pod'] as const;

export interface MetricSpec {
  name: string;
  help: string;
  type: MetricType;
  /** Label keys after BASE_LABEL_KEYS. */
  extraLabels: readonly string[];
}

const C = MetricType.COUNTER;
const G = MetricType.GAUGE;
const spec = (name: string, type: MetricType, help: string, extraLabels: readonly string[] = []): MetricSpec => ({ name, help, type, extraLabels });

/** Every metric berthd can emit, by name. Values are unsigned integers (the CRI's UInt64Value): seconds are whole seconds. */
export const METRICS = {
  cpuUsage: spec('container_cpu_usage_seconds_total', C, 'Cumulative cpu time consumed in seconds.', ['cpu']),
  memoryUsage: spec('container_memory_usage_bytes', G, 'Current memory usage in bytes, including all memory regardless of when it was accessed'),
  memoryWorkingSet: spec('container_memory_working_set_bytes', G, 'Current working set in bytes.'),
  memoryRss: spec('container_memory_rss', G, 'Size of RSS in bytes.'),
  memorySwap: spec('container_memory_swap', G, 'Container swap usage in bytes.'),
  memoryFailures: spec('container_memory_failures_total', C, 'Cumulative count of memory allocation failures.', ['failure_type', 'scope']),
  specMemoryLimit: spec('container_spec_memory_limit_bytes', G, 'Memory limit for the container.'),
  oomEvents: spec('container_oom_events_total', C, 'Count of out of memory events observed for the container'),
  processes: spec('container_processes', G, 'Number of processes running inside the container.'),
  fsUsage: spec('container_fs_usage_bytes', G, 'Number of bytes that are consumed by the container on this filesystem.'),
  fsInodesUsed: spec('container_fs_inodes_used', G, 'Number of inodes used by the container on this filesystem.'),
  fsLimit: spec('container_fs_limit_bytes', G, 'Number of bytes that can be consumed by the container on this filesystem.'),
  fsInodesTotal: spec('container_fs_inodes_total', G, 'Number of Inodes'),
  fsInodesFree: spec('container_fs_inodes_free', G, 'Number of available Inodes'),
  netRxBytes: spec('container_network_receive_bytes_total', C, 'Cumulative count of bytes received', ['interface']),
  netRxPackets: spec('container_network_receive_packets_total', C, 'Cumulative count of packets received', ['interface']),
  netRxDropped: spec('container_network_receive_packets_dropped_total', C, 'Cumulative count of packets dropped while receiving', ['interface']),
  netRxErrors: spec('container_network_receive_errors_total', C, 'Cumulative count of errors encountered while receiving', ['interface']),
  netTxBytes: spec('container_network_transmit_bytes_total', C, 'Cumulative count of bytes transmitted', ['interface']),
  netTxPackets: spec('container_network_transmit_packets_total', C, 'Cumulative count of packets transmitted', ['interface']),
  netTxDropped: spec('container_network_transmit_packets_dropped_total', C, 'Cumulative count of packets dropped while transmitting', ['interface']),
  netTxErrors: spec('container_network_transmit_errors_total', C, 'Cumulative count of errors encountered while transmitting', ['interface']),
  lastSeen: spec('container_last_seen', G, 'Last time a container was seen by the exporter'),
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;

/** ListMetricDescriptors' answer: one descriptor per metric, label keys in the order Metric.label_values use. */
export function metricDescriptors(): { name: string; help: string; labelKeys: string[] }[] {
  return Object.values(METRICS).map((m) => ({ name: m.name, help: m.help, labelKeys: [...BASE_LABEL_KEYS, ...m.extraLabels] }));
}
