// Prometheus metrics through a real Prometheus: Debian's server scrapes
// berthd's opt-in listener; after a pod start (pull, RunPodSandbox,
// CreateContainer, StartContainer) and a failed pull the test asks
// Prometheus' HTTP API for the series and checks counts, histogram buckets
// and the failure label — and that the histogram and the pod's timeline
// report the same CNI phase.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ContainerConfig } from '../../src/api/gen/api.js';
import { CreateContainer, ListPodSandbox, PodSandboxStatus, PullImage, RemovePodSandbox, RunPodSandbox, StartContainer } from '../../src/api/methods.js';
import { Code } from '../../src/util/errors.js';
import type { TimelineEntry } from '../../src/observe/timeline.js';
import { rejectsWith } from '../support/assert-grpc.js';
import { makeTestDir, startDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../support/images/build.js';
import { makeTestNetwork, podConfig, type TestNetwork } from '../support/pod-net.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { imageRef, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

let reg: RunningRegistry;
let busybox: string;
let d: TestDaemon;
let net: TestNetwork;
let prom: RunningPrometheus;
let dir: string;

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
  dir = await makeTestDir('berth-metrics-');
  net = await makeTestNetwork(dir);
  d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: `${net.toml}\n[metrics]\nenabled = true\nlisten = "127.0.0.1:0"\n` });
  const url = /"metrics served","url":"http:\/\/([^/"]+)\/metrics"/.exec(d.logs())?.[1];
  assert.ok(url, `berthd logs the metrics address: ${d.logs()}`);
  prom = await startPrometheus(join(dir, 'prometheus'), url);
});

after(async () => {
  const { items } = await d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
  for (const p of items) await d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
  await prom?.stop();
  await d?.cleanup();
  await net?.cleanup();
  await reg?.stop();
});

/** The single value of `q`, once Prometheus has scraped it with value `want` (undefined: any value). */
async function valueOf(q: string, want?: (v: number) => boolean): Promise<number> {
  let last: number | undefined;
  await waitFor(async () => {
    const r = await prom.query(q);
    last = r.length === 1 ? r[0]?.value : undefined;
    return last !== undefined && (want ? want(last) : true);
  }, 30_000, () => `prometheus: ${q} = ${last}; prometheus logs: ${prom.logs()}`);
  return last as number;
}

test('a pod start and a failed pull show in Prometheus: counts, histogram buckets, failure cause; the histogram agrees with the timeline', async () => {
  await d.client.call(PullImage, { image: { image: busybox } });
  const config = podConfig('metrics', { logDirectory: join(dir, 'logs'), linux: { securityContext: { namespaceOptions: { pid: 'CONTAINER' } } } });
  const { podSandboxId } = await d.client.call(RunPodSandbox, { config });
  const { containerId } = await d.client.call(CreateContainer, {
    podSandboxId,
    config: ContainerConfig.fromJSON({ metadata: { name: 'sleeper', attempt: 0 }, image: { image: busybox }, command: ['sleep', '60'], logPath: 'sleeper.log' }),
    sandboxConfig: config,
  });
  await d.client.call(StartContainer, { containerId });
  await rejectsWith(d.client.call(PullImage, { image: { image: `${reg.host}/berth-test/no-such-image:v1` } }), Code.NotFound, /^image: /);

  // Counters by method and code.
  assert.equal(await valueOf('berth_grpc_requests_total{method="RunPodSandbox",code="OK"}', (v) => v === 1), 1);
  assert.equal(await valueOf('berth_grpc_requests_total{method="PullImage",code="NotFound"}', (v) => v === 1), 1);
  assert.equal(await valueOf('berth_grpc_requests_total{method="StartContainer",code="OK"}', (v) => v === 1), 1);
  // Pulls: two finished, one failed as not_found, the other causes at 0, bytes of the one layer downloaded.
  assert.equal(await valueOf('berth_image_pulls_total', (v) => v === 2), 2);
  assert.equal(await valueOf('berth_image_pull_failures_total{cause="not_found"}', (v) => v === 1), 1);
  assert.equal(await valueOf('sum(berth_image_pull_failures_total{cause!="not_found"})'), 0);
  assert.ok((await valueOf('berth_image_pull_bytes_total')) > 0, 'layer bytes counted');
  assert.equal(await valueOf('berth_image_pulls_in_flight'), 0);
  // Histograms: one sample per phase, the +Inf bucket holds it, buckets never decrease.
  for (const phase of ['namespaces', 'cni', 'infra', 'persist']) {
    assert.equal(await valueOf(`berth_pod_start_phase_duration_seconds_count{phase="${phase}"}`), 1, phase);
  }
  assert.equal(await valueOf('berth_pod_start_phase_duration_seconds_bucket{phase="cni",le="+Inf"}'), 1);
  const buckets = await prom.query('berth_pod_start_phase_duration_seconds_bucket{phase="cni"}');
  const byLe = buckets.map((b) => [Number(b.metric.le === '+Inf' ? Infinity : b.metric.le), b.value] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < byLe.length; i++) assert.ok((byLe[i]?.[1] ?? 0) >= (byLe[i - 1]?.[1] ?? 0), 'cumulative buckets');
  assert.equal(await valueOf('berth_container_start_phase_duration_seconds_count{phase="conmon+create"}'), 1);
  assert.equal(await valueOf('berth_container_start_phase_duration_seconds_count{phase="runtime start"}'), 1);
  assert.equal(await valueOf('berth_grpc_request_duration_seconds_count{method="CreateContainer",code="OK"}'), 1);
  // State read at scrape time.
  assert.equal(await valueOf('berth_containers_started_total'), 1);
  assert.equal(await valueOf('berth_pods{state="ready"}'), 1);
  assert.equal(await valueOf('berth_containers{state="running"}', (v) => v === 1), 1);
  assert.ok((await valueOf('berth_monitor_processes')) >= 1);
  assert.ok((await valueOf('berth_process_resident_memory_bytes')) > 10_000_000);
  assert.ok((await valueOf('berth_nodejs_heap_size_used_bytes')) > 0);
  assert.ok((await valueOf('count(berth_nodejs_eventloop_lag_p99_seconds)')) === 1);

  // The same CNI phase in the histogram and in the pod's timeline (rounded there to 0.1 ms).
  const cniSeconds = await valueOf('berth_pod_start_phase_duration_seconds_sum{phase="cni"}');
  const status = await d.client.call(PodSandboxStatus, { podSandboxId, verbose: true });
  const timeline = JSON.parse(status.info.timeline ?? '[]') as TimelineEntry[];
  const start = timeline.find((e) => e.kind === 'pod start');
  const cni = start?.phases?.find((p) => p.name === 'cni');
  assert.ok(cni, JSON.stringify(timeline));
  assert.ok(Math.abs(cni.ms - cniSeconds * 1000) <= 0.06, `timeline ${cni.ms} ms vs histogram ${cniSeconds * 1000} ms`);
});

test('a metrics listener beyond loopback is refused unless allow_remote', async () => {
  await assert.rejects(
    startDaemon({ toml: '[metrics]\nenabled = true\nlisten = "0.0.0.0:0"\n' }),
    /metrics\.listen "0\.0\.0\.0:0" is not a loopback address; set metrics\.allow_remote = true/,
  );
});
