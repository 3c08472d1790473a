// ListMetricDescriptors / ListPodSandboxMetrics / StreamPodSandboxMetrics
// through the real stack: a pod on the real CNI bridge with a CPU-burning
// container and one whose children are OOM-killed under a memory limit. The
// numbers come from the containers' cgroups, the pod's netns and the
// writable layer; `berthctl stats --metrics` prints them in an exposition
// format promtool accepts.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerConfig, MetricType, type PodSandboxMetrics } from '../../src/api/gen/api.js';
import {
  CreateContainer,
  ListMetricDescriptors,
  ListPodSandboxMetrics,
  PodSandboxStatus,
  RemovePodSandbox,
  RunPodSandbox,
  StartContainer,
  StreamPodSandboxMetrics,
} from '../../src/api/methods.js';
import { BERTHCTL, runCli, waitFor, type TestDaemon } from '../support/daemon.js';
import { podConfig } from '../support/pod-net.js';
import { startStack, type TestStack } from '../support/stack.js';

const PARENT = `berth-metrics-test-${process.pid}`;
const LIMIT = 32n * 1024n * 1024n;
let busybox: string;
let stack: TestStack;
let d: TestDaemon;

before(async () => {
  stack = await startStack({ prefix: 'berth-metrics-' });
  ({ d, busybox } = stack);
});

after(async () => {
  await stack?.stop();
  for (const h of await readdir('/sys/fs/cgroup')) await rmdir(join('/sys/fs/cgroup', h, PARENT)).catch(() => undefined);
});

/** value of `name` in `metrics` whose label values end with `extra` (after the six base labels). */
function valueOf(metrics: PodSandboxMetrics['metrics'], name: string, extra: string[] = []): bigint | undefined {
  return metrics.find((m) => m.name === name && m.labelValues.slice(6).join('/') === extra.join('/'))?.value?.value;
}

it('cAdvisor-compatible pod and container metrics from cgroups, the netns and the writable layer', async () => {
  const config = podConfig(`metrics-${process.pid}`, { linux: { cgroupParent: `/${PARENT}` } });
  const { podSandboxId: pod } = await d.client.call(RunPodSandbox, { config });
  const start = async (name: string, cmd: string[], memoryLimit?: bigint): Promise<string> => {
    const c = ContainerConfig.fromJSON({ metadata: { name, attempt: 0 }, image: { image: busybox }, command: cmd, linux: memoryLimit ? { resources: { memoryLimitInBytes: String(memoryLimit) } } : undefined });
    const { containerId } = await d.client.call(CreateContainer, { podSandboxId: pod, config: c, sandboxConfig: config });
    await d.client.call(StartContainer, { containerId });
    return containerId;
  };
  const busy = await start('busy', ['sh', '-c', 'head -c 3000000 /dev/zero > /big; x=$(head -c 4000000 /dev/zero | tr "\\0" a); while :; do :; done']);
  // Children that outgrow the limit are OOM-killed; the shell lives on, so the cgroup (and its count) stays.
  const oom = await start('oom', ['sh', '-c', 'while :; do (x=$(head -c 100000000 /dev/zero | tr "\\0" a)); sleep 0.2; done'], LIMIT);

  const descs = (await d.client.call(ListMetricDescriptors, {})).descriptors;
  const keys = new Map(descs.map((x) => [x.name, x.labelKeys]));
  assert.deepEqual(keys.get('container_network_receive_bytes_total'), ['container', 'id', 'image', 'name', 'namespace', 'pod', 'interface']);

  await sendUdp((await d.client.call(PodSandboxStatus, { podSandboxId: pod })).status?.network?.ip ?? '', 10);
  let pm: PodSandboxMetrics | undefined;
  // Counters grow: wait until the busy loop has a whole CPU second and the OOM killer has struck.
  await waitFor(
    async () => {
      pm = (await d.client.call(ListPodSandboxMetrics, {})).podMetrics.find((p) => p.podSandboxId === pod);
      const b = pm?.containerMetrics.find((c) => c.containerId === busy)?.metrics ?? [];
      const o = pm?.containerMetrics.find((c) => c.containerId === oom)?.metrics ?? [];
      return (valueOf(b, 'container_cpu_usage_seconds_total', ['total']) ?? 0n) >= 1n && (valueOf(o, 'container_oom_events_total') ?? 0n) >= 1n;
    },
    30_000,
    () => `cpu seconds and OOM events: ${JSON.stringify(pm?.containerMetrics.map((c) => c.metrics.filter((m) => /cpu_usage|oom/.test(m.name)).map((m) => `${m.name}=${m.value?.value}`)))}`,
  );
  assert.ok(pm);
  // Every sample has a descriptor and exactly its label count (else the kubelet drops it), with a type.
  for (const m of [...pm.metrics, ...pm.containerMetrics.flatMap((c) => c.metrics)]) {
    assert.equal(m.labelValues.length, keys.get(m.name)?.length, m.name);
    assert.ok(m.timestamp > 0n, m.name);
  }
  const b = pm.containerMetrics.find((c) => c.containerId === busy)?.metrics ?? [];
  assert.deepEqual(b.find((m) => m.name === 'container_memory_working_set_bytes')?.labelValues, ['busy', busy, busybox, 'busy', 'berth-test', `metrics-${process.pid}`]);
  assert.equal(b.find((m) => m.name === 'container_cpu_usage_seconds_total')?.metricType, MetricType.COUNTER);
  assert.equal(b.find((m) => m.name === 'container_memory_working_set_bytes')?.metricType, MetricType.GAUGE);
  assert.ok((valueOf(b, 'container_memory_working_set_bytes') ?? 0n) > 4_000_000n);
  assert.ok((valueOf(b, 'container_fs_usage_bytes') ?? 0n) >= 3_000_000n, 'the 3 MB file in the writable layer');
  assert.ok((valueOf(b, 'container_fs_limit_bytes') ?? 0n) > (valueOf(b, 'container_fs_usage_bytes') ?? 0n));
  assert.equal(valueOf(b, 'container_spec_memory_limit_bytes'), 0n, 'unlimited');
  assert.ok((valueOf(b, 'container_processes') ?? 0n) >= 1n);
  const o = pm.containerMetrics.find((c) => c.containerId === oom)?.metrics ?? [];
  assert.equal(valueOf(o, 'container_spec_memory_limit_bytes'), LIMIT);
  assert.ok((valueOf(o, 'container_oom_events_total') ?? 0n) >= 1n);
  // Pod level: the sandbox ("POD") — its cgroup parent and eth0 inside its netns.
  assert.deepEqual(pm.metrics[0]?.labelValues.slice(0, 6), ['', pod, '', 'POD', 'berth-test', `metrics-${process.pid}`]);
  assert.ok((valueOf(pm.metrics, 'container_network_receive_bytes_total', ['eth0']) ?? 0n) >= 5000n, 'eth0 received the datagrams');
  assert.ok((valueOf(pm.metrics, 'container_network_receive_packets_total', ['eth0']) ?? 0n) >= 10n);
  assert.ok((valueOf(pm.metrics, 'container_network_transmit_bytes_total', ['eth0']) ?? 0n) > 0n);
  assert.equal(valueOf(pm.metrics, 'container_network_receive_bytes_total', ['lo']), undefined);
  assert.ok((valueOf(pm.metrics, 'container_cpu_usage_seconds_total', ['total']) ?? 0n) >= 1n, 'the pod cgroup holds the busy container');

  // The stream answers the same pods and containers.
  const streamed: PodSandboxMetrics[] = [];
  await d.client.stream(StreamPodSandboxMetrics, {}, (r) => streamed.push(...r.podSandboxMetrics));
  const sp = streamed.find((p) => p.podSandboxId === pod);
  assert.deepEqual(sp?.containerMetrics.map((c) => c.containerId).sort(), [busy, oom].sort());

  // berthctl stats --metrics: Prometheus text that promtool's linter accepts.
  const r = await runCli(BERTHCTL, ['-r', d.endpoint, '-t', '30s', 'stats', '--metrics'], { NODE_EXTRA_CA_CERTS: '' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# TYPE container_cpu_usage_seconds_total counter$/m);
  assert.match(r.stdout, new RegExp(`^container_oom_events_total\\{container="oom",id="${oom}",.*\\} [1-9]\\d* \\d+$`, 'm'));
  // promtool exits 1 on a parse error and 3 on lint findings; its one finding is cAdvisor's own name for a gauge.
  const lint = await promtoolCheck(r.stdout);
  const findings = lint.out.split('\n').filter((l) => l.trim() && !l.startsWith('container_fs_inodes_total non-counter metrics should not have "_total" suffix'));
  assert.ok(lint.code === 0 || (lint.code === 3 && findings.length === 0), `promtool ${lint.code}: ${lint.out}`);
  const bad = await runCli(BERTHCTL, ['-r', d.endpoint, 'stats', '--metrics', busy], { NODE_EXTRA_CA_CERTS: '' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /takes no ID or filter/);

  await d.client.call(RemovePodSandbox, { podSandboxId: pod });
  const after = (await d.client.call(ListPodSandboxMetrics, {})).podMetrics;
  assert.equal(after.find((p) => p.podSandboxId === pod), undefined);
});

function promtoolCheck(text: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
    p.stdin?.end(text);
  });
}

/** Datagrams to a closed port of the pod: its eth0 receives them. */
async function sendUdp(ip: string, n: number): Promise<void> {
  assert.ok(ip, 'the pod has an IP');
  const sock = createSocket('udp4');
  for (let i = 0; i < n; i++) await new Promise<void>((res, rej) => sock.send(Buffer.alloc(500), 9, ip, (e) => (e ? rej(e) : res())));
  sock.close();
}
