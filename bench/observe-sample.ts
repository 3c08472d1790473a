// Produces the samples in docs/observability.md from one real pod start seen
// three ways: a fresh berthd with metrics and tracing (100 %) on, one
// PullImage + RunPodSandbox + CreateContainer + StartContainer under a
// caller's traceparent, then (1) the /metrics scrape (one sample per phase, so
// each _sum is that phase's duration), (2) the span tree the OTLP exporter
// sent, (3) `berth describe` of the pod. Not a test: it prints.
// Run as root: node scripts/build.mjs && node --import tsx bench/observe-sample.ts
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ContainerConfig } from '../src/api/gen/api.js';
import { CreateContainer, PullImage, RemovePodSandbox, RunPodSandbox, StartContainer, StopPodSandbox } from '../src/api/methods.js';
import { BERTH, makeTestDir, runCli, startDaemon, waitFor } from '../test/support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../test/support/images/build.js';
import { startOtlpReceiver, type ReceivedSpan } from '../test/support/otlp-receiver.js';
import { makeTestNetwork, podConfig } from '../test/support/pod-net.js';
import { imageRef, seedRegistry } from '../test/support/registry/push.js';
import { startRegistry } from '../test/support/registry/registry.js';

const reg = await startRegistry({ auth: 'none' });
const busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
const dir = await makeTestDir('berth-obs-sample-');
const net = await makeTestNetwork(dir, { noPortmap: true });
const otlp = await startOtlpReceiver();
const d = await startDaemon({
  cniConfDir: net.confDir,
  installDefaultNetwork: false,
  logLevel: 'info',
  toml: `${net.toml}\n[metrics]\nenabled = true\nlisten = "127.0.0.1:0"\n[tracing]\nendpoint = "${otlp.url}"\nsampling_rate = 1.0\n`,
});
try {
  const metricsUrl = /"metrics served","url":"([^"]+)"/.exec(d.logs())?.[1] as string;
  const traced = { metadata: { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` } };
  const config = podConfig('web', { logDirectory: join(dir, 'logs'), linux: { securityContext: { namespaceOptions: { pid: 'CONTAINER' } } } });
  const { podSandboxId } = await d.client.call(RunPodSandbox, { config }, traced);
  await d.client.call(PullImage, { image: { image: busybox }, sandboxConfig: config }, traced);
  const { containerId } = await d.client.call(
    CreateContainer,
    { podSandboxId, config: ContainerConfig.fromJSON({ metadata: { name: 'app', attempt: 0 }, image: { image: busybox }, command: ['sleep', '600'], logPath: 'app.log' }), sandboxConfig: config },
    traced,
  );
  await d.client.call(StartContainer, { containerId }, traced);

  const scrape = await (await fetch(metricsUrl)).text();
  const keep = /^(berth_pod_start_phase_duration_seconds_(sum|count)|berth_container_start_phase_duration_seconds_sum|berth_grpc_requests_total|berth_image_pull|berth_containers|berth_pods|berth_monitor|berth_process_resident|berth_nodejs_eventloop_lag_p99)/;
  process.stdout.write(`---- scrape (excerpt) ----\n${scrape.split('\n').filter((l) => keep.test(l) && !l.includes('cause="') ).join('\n')}\n`);

  await waitFor(() => otlp.spans.some((s) => s.name.endsWith('/StartContainer')), 20_000, () => 'spans');
  const roots = otlp.spans.filter((s) => !otlp.spans.some((p) => p.spanId === s.parentSpanId)).sort((a, b) => Number(a.startNs - b.startNs));
  const t0 = roots[0]?.startNs ?? 0n;
  const line = (s: ReceivedSpan, depth: number): string => {
    const at = (Number(s.startNs - t0) / 1e6).toFixed(1).padStart(7);
    const ms = (Number(s.endNs - s.startNs) / 1e6).toFixed(1).padStart(7);
    const extra = s.attributes.bytes !== undefined ? ` bytes=${s.attributes.bytes}` : '';
    return `${at} ms ${ms} ms  ${'  '.repeat(depth)}${s.name}${s.status.code === 2 ? ` ERROR ${s.status.message}` : ''}${extra}`;
  };
  const tree = (s: ReceivedSpan, depth: number): string[] => [
    line(s, depth),
    ...otlp.spans.filter((c) => c.parentSpanId === s.spanId).sort((a, b) => Number(a.startNs - b.startNs)).flatMap((c) => tree(c, depth + 1)),
  ];
  process.stdout.write(`---- span tree (start offset, duration, name) ----\n  trace ${roots[0]?.traceId}, parent span ${roots[0]?.parentSpanId} (the caller's)\n${roots.flatMap((r) => tree(r, 0)).join('\n')}\n`);

  const desc = await runCli(BERTH, ['-H', d.endpoint, 'describe', 'berth-test/web'], { NODE_EXTRA_CA_CERTS: '' });
  process.stdout.write(`---- berth describe berth-test/web ----\n${desc.stdout}${desc.stderr}`);
  await d.client.call(StopPodSandbox, { podSandboxId });
  await d.client.call(RemovePodSandbox, { podSandboxId });
} finally {
  await d.cleanup();
  await otlp.close();
  await net.cleanup();
  await reg.stop();
}
