// CRI metrics: the catalog the kubelet's CRI metrics collector reads, the
// mapping from samples to Metric messages (label counts must equal the
// descriptor's keys or the kubelet drops the sample), and the Prometheus text
// berthctl prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricType } from '../../src/api/gen/api.js';
import { BASE_LABEL_KEYS, METRICS, metricDescriptors } from '../../src/cri/metrics-catalog.js';
import { addCgroupMetrics, addFsMetrics, addNetworkMetrics, MetricBuilder } from '../../src/cri/metrics-mapping.js';
import { prometheusText } from '../../src/cli/berthctl/verbs/metrics-format.js';
import type { CgroupSample } from '../../src/cgroups/stats-parse.js';

const T = 1_700_000_000_123_456_789n;
const labels = { container: 'app', id: 'c1', image: 'busybox:1', name: 'app', namespace: 'ns', pod: 'p' };

test('descriptors: cAdvisor names, unique, counters end in _total, base label keys first', () => {
  const d = metricDescriptors();
  assert.equal(new Set(d.map((x) => x.name)).size, d.length);
  for (const x of d) assert.deepEqual(x.labelKeys.slice(0, BASE_LABEL_KEYS.length), [...BASE_LABEL_KEYS]);
  for (const m of Object.values(METRICS)) {
    // cAdvisor's one gauge named *_total: the filesystem's inode count.
    if (m.name !== 'container_fs_inodes_total') assert.equal(m.name.endsWith('_total'), m.type === MetricType.COUNTER, m.name);
    assert.ok(m.name.startsWith('container_'), m.name);
  }
  const names = d.map((x) => x.name);
  for (const n of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_network_receive_bytes_total', 'container_network_transmit_bytes_total', 'container_fs_usage_bytes', 'container_oom_events_total']) {
    assert.ok(names.includes(n), n);
  }
  assert.deepEqual(d.find((x) => x.name === 'container_network_receive_bytes_total')?.labelKeys, [...BASE_LABEL_KEYS, 'interface']);
  assert.deepEqual(d.find((x) => x.name === 'container_cpu_usage_seconds_total')?.labelKeys, [...BASE_LABEL_KEYS, 'cpu']);
});

test('cgroup, layer and network samples → metrics whose label values match their descriptors', () => {
  const s: CgroupSample = {
    timestampNs: T,
    monotonicNs: 1n,
    cpu: { usageNs: 2_700_000_000n },
    memory: { usageBytes: 10n, workingSetBytes: 8n, rssBytes: 6n, pageFaults: 100n, majorPageFaults: 2n, limitBytes: 64n, availableBytes: 56n, oomKills: 3n },
    swap: { usageBytes: 1n },
    pids: { current: 4n },
  };
  const b = new MetricBuilder(labels);
  addCgroupMetrics(b, s);
  addFsMetrics(b, { timestampNs: T, bytes: 4096n, inodes: 7n }, { bytes: 1000n, inodes: 50n, inodesFree: 20n });
  addNetworkMetrics(b, T, [
    { name: 'lo', rxBytes: 1n, rxPackets: 1n, rxErrors: 0n, rxDropped: 0n, txBytes: 1n, txPackets: 1n, txErrors: 0n, txDropped: 0n },
    { name: 'eth0', rxBytes: 500n, rxPackets: 5n, rxErrors: 1n, rxDropped: 2n, txBytes: 300n, txPackets: 3n, txErrors: 0n, txDropped: 0n },
  ]);
  const descs = new Map(metricDescriptors().map((d) => [d.name, d]));
  for (const m of b.out) {
    assert.equal(m.labelValues.length, descs.get(m.name)?.labelKeys.length, m.name);
    assert.deepEqual(m.labelValues.slice(0, 6), ['app', 'c1', 'busybox:1', 'app', 'ns', 'p']);
    assert.equal(m.timestamp, T);
  }
  const v = (name: string, extra: string[] = []): bigint | undefined =>
    b.out.find((m) => m.name === name && m.labelValues.slice(6).join('/') === extra.join('/'))?.value?.value;
  assert.equal(v('container_cpu_usage_seconds_total', ['total']), 2n, 'whole seconds (the CRI value is an integer)');
  assert.equal(v('container_memory_working_set_bytes'), 8n);
  assert.equal(v('container_spec_memory_limit_bytes'), 64n);
  assert.equal(v('container_oom_events_total'), 3n);
  assert.equal(v('container_memory_failures_total', ['pgmajfault', 'container']), 2n);
  assert.equal(v('container_fs_usage_bytes'), 4096n);
  assert.equal(v('container_fs_inodes_free'), 20n);
  assert.equal(v('container_network_receive_bytes_total', ['eth0']), 500n);
  assert.equal(v('container_network_receive_packets_dropped_total', ['eth0']), 2n);
  assert.equal(v('container_network_receive_bytes_total', ['lo']), undefined, 'loopback is left out');
  assert.equal(v('container_last_seen'), T / 1_000_000_000n);
  // An unlimited container reports a 0 limit; a kernel without oom_kill reports no OOM series.
  const u = new MetricBuilder(labels);
  addCgroupMetrics(u, { timestampNs: T, monotonicNs: 1n, memory: { usageBytes: 1n, workingSetBytes: 1n, rssBytes: 1n, pageFaults: 0n, majorPageFaults: 0n } });
  assert.equal(u.out.find((m) => m.name === 'container_spec_memory_limit_bytes')?.value?.value, 0n);
  assert.equal(u.out.find((m) => m.name === 'container_oom_events_total'), undefined);
  assert.throws(() => b.add('netRxBytes', T, 1n), /1 keys/);
});

test('Prometheus text: HELP/TYPE once per metric, escaped labels, ms timestamps; mismatched samples dropped', () => {
  const b = new MetricBuilder({ ...labels, image: 'we"ird\\img' });
  b.add('cpuUsage', T, 5n, ['total']);
  b.add('memoryWorkingSet', T, 42n);
  const bad = { name: 'container_memory_working_set_bytes', timestamp: 0n, metricType: MetricType.GAUGE, labelValues: ['x'], value: { value: 1n } };
  const text = prometheusText(metricDescriptors(), [{ podSandboxId: 'p1', metrics: [bad], containerMetrics: [{ containerId: 'c1', metrics: b.out }] }]);
  assert.equal(
    text,
    [
      '# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.',
      '# TYPE container_cpu_usage_seconds_total counter',
      `container_cpu_usage_seconds_total{container="app",id="c1",image="we\\"ird\\\\img",name="app",namespace="ns",pod="p",cpu="total"} 5 ${T / 1_000_000n}`,
      '# HELP container_memory_working_set_bytes Current working set in bytes.',
      '# TYPE container_memory_working_set_bytes gauge',
      `container_memory_working_set_bytes{container="app",id="c1",image="we\\"ird\\\\img",name="app",namespace="ns",pod="p"} 42 ${T / 1_000_000n}`,
      '',
    ].join('\n'),
  );
  assert.equal(prometheusText(metricDescriptors(), []), '');
});
