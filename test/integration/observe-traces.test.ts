// Traces and the pod timeline through the real stack. berthd exports with
// the OpenTelemetry SDK's OTLP/HTTP exporter to a receiver started here that
// decodes the protobuf; every call carries a W3C traceparent the test made.
// A CNI plugin that fails its first ADD gives one failed pod start (an error
// span naming the plugin, with its stderr) and a successful retry; the
// retry's pod then runs a container. The same pod start is then read back as
// a span tree, as `berth describe` output and as berthctl inspectp's verbose
// info — and the timeline survives a berthd restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerConfig } from '../../src/api/gen/api.js';
import { CreateContainer, ListPodSandbox, PodSandboxStatus, PullImage, RemoveContainer, RemovePodSandbox, RunPodSandbox, StartContainer, StopContainer, StopPodSandbox, Version } from '../../src/api/methods.js';
import type { BerthEvent } from '../../src/cli/berth/verbs/events.js';
import { Code } from '../../src/util/errors.js';
import type { TimelineEntry } from '../../src/observe/timeline.js';
import { rejectsWith } from '../support/assert-grpc.js';
import { BERTH, BERTHCTL, makeTestDir, restartDaemon, runCli, startDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../support/images/build.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { makeTestNetwork, podConfig, type TestNetwork } from '../support/pod-net.js';
import { imageRef, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

let reg: RunningRegistry;
let busybox: string;
let d: TestDaemon;
let net: TestNetwork;
let otlp: OtlpReceiver;
let dir: string;

const FLAKY = 'berth-test-flaky';

/** A chained CNI plugin whose first ADD fails (stderr + CNI error), later ADDs pass the previous result through. */
async function writeFlakyPlugin(binDir: string, marker: string): Promise<void> {
  const script = `#!${process.execPath}
const fs = require('fs');
const cmd = process.env.CNI_COMMAND;
if (cmd === 'VERSION') { console.log(JSON.stringify({ cniVersion: '1.0.0', supportedVersions: ['0.4.0', '1.0.0'] })); process.exit(0); }
if (cmd !== 'ADD') process.exit(0);
const conf = JSON.parse(fs.readFileSync(0, 'utf8'));
if (!fs.existsSync(${JSON.stringify(marker)})) {
  fs.writeFileSync(${JSON.stringify(marker)}, '');
  process.stderr.write('flaky-plugin: first ADD fails on purpose\\n');
  console.log(JSON.stringify({ cniVersion: '1.0.0', code: 11, msg: 'flaky: try again later' }));
  process.exit(1);
}
console.log(JSON.stringify(conf.prevResult));
`;
  await writeFile(join(binDir, FLAKY), script);
  await chmod(join(binDir, FLAKY), 0o755);
}

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
  dir = await makeTestDir('berth-traces-');
  net = await makeTestNetwork(dir, { extraPlugins: [{ type: FLAKY }], noPortmap: true });
  await writeFlakyPlugin(net.binDir, join(dir, 'flaky-failed-once'));
  otlp = await startOtlpReceiver();
  // sampling_rate 0: only calls whose caller sampled them are traced (the parent's flag is followed).
  d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: `${net.toml}\n[tracing]\nendpoint = "${otlp.url}"\nsampling_rate = 0\n` });
});

after(async () => {
  const { items } = await d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
  for (const p of items) await d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
  await d?.cleanup();
  await otlp?.close();
  await net?.cleanup();
  await reg?.stop();
});

const traceId = randomBytes(16).toString('hex');
const callerSpan = randomBytes(8).toString('hex');
const traced = { metadata: { traceparent: `00-${traceId}-${callerSpan}-01` } };
const config = podConfig('traced', { linux: { securityContext: { namespaceOptions: { pid: 'CONTAINER' } } } });
let podId = '';
let containerId = '';

function childrenOf(span: ReceivedSpan): ReceivedSpan[] {
  return otlp.spans.filter((s) => s.parentSpanId === span.spanId);
}

function within(child: ReceivedSpan, parent: ReceivedSpan): void {
  assert.ok(child.startNs >= parent.startNs && child.endNs <= parent.endNs, `${child.name} [${child.startNs}, ${child.endNs}] inside ${parent.name} [${parent.startNs}, ${parent.endNs}]`);
}

test('RunPodSandbox (failed in CNI, then retried) → PullImage → CreateContainer → StartContainer as one trace under the caller\'s span', async () => {
  await rejectsWith(d.client.call(RunPodSandbox, { config }, traced), Code.Internal, /^network: .*berth-test-flaky.*flaky: try again later.*flaky-plugin: first ADD fails on purpose/s);
  podId = (await d.client.call(RunPodSandbox, { config }, traced)).podSandboxId;
  await d.client.call(PullImage, { image: { image: busybox }, sandboxConfig: config }, traced);
  containerId = (
    await d.client.call(
      CreateContainer,
      { podSandboxId: podId, config: ContainerConfig.fromJSON({ metadata: { name: 'app', attempt: 0 }, image: { image: busybox }, command: ['sleep', '60'] }), sandboxConfig: config },
      traced,
    )
  ).containerId;
  await d.client.call(StartContainer, { containerId }, traced);
  await d.client.call(Version, { version: 'v1' }); // not sampled: no traceparent, sampling_rate 0

  await waitFor(() => otlp.spans.some((s) => s.name.endsWith('/StartContainer')), 20_000, () => `spans so far: ${otlp.spans.map((s) => s.name).join(', ')}`);
  const rpc = (name: string): ReceivedSpan[] => otlp.spans.filter((s) => s.name === name);
  assert.equal(rpc('runtime.v1.RuntimeService/Version').length, 0, 'an unsampled call makes no span');
  for (const s of otlp.spans) {
    assert.equal(s.traceId, traceId, `${s.name} in the caller's trace`);
    assert.equal(s.serviceName, 'berthd');
  }
  const [failed, ok] = rpc('runtime.v1.RuntimeService/RunPodSandbox').sort((a, b) => Number(a.startNs - b.startNs));
  const pull = rpc('runtime.v1.ImageService/PullImage')[0];
  const create = rpc('runtime.v1.RuntimeService/CreateContainer')[0];
  const start = rpc('runtime.v1.RuntimeService/StartContainer')[0];
  assert.ok(failed && ok && pull && create && start, otlp.spans.map((s) => s.name).join(', '));
  for (const s of [failed, ok, pull, create, start]) {
    assert.equal(s.parentSpanId, callerSpan, `${s.name} is a child of the caller's span: ${JSON.stringify(otlp.spans.map((x) => [x.name, x.spanId, x.parentSpanId]))}`);
    assert.equal(s.kind, 2, 'SERVER');
  }

  // The failed start: error status and the failing plugin's span with its stderr.
  assert.equal(failed.status.code, 2, 'ERROR');
  assert.equal(failed.attributes['rpc.grpc.status_code'], Code.Internal);
  assert.equal(failed.attributes['berth.error.layer'], 'network');
  const failedCni = childrenOf(failed).find((s) => s.name === 'cni');
  assert.ok(failedCni, childrenOf(failed).map((s) => s.name).join(', '));
  assert.equal(failedCni.status.code, 2);
  const plugins = childrenOf(failedCni);
  assert.deepEqual(plugins.map((s) => s.name).sort(), ['cni/berth-test-flaky', 'cni/bridge']);
  const flaky = plugins.find((s) => s.name === `cni/${FLAKY}`) as ReceivedSpan;
  assert.equal(flaky.status.code, 2);
  assert.match(flaky.status.message, /CNI plugin berth-test-flaky ADD/);
  const exception = flaky.events.find((e) => e.name === 'exception');
  assert.equal(exception?.attributes['exception.type'], 'network');
  assert.match(String(exception?.attributes['exception.message']), /flaky-plugin: first ADD fails on purpose/);
  assert.equal(plugins.find((s) => s.name === 'cni/bridge')?.status.code, 0, 'bridge succeeded');

  // The successful start: a child per phase, inside the call; plugins inside cni.
  assert.equal(ok.status.code, 0);
  assert.equal(ok.attributes['berth.pod.id'], podId);
  assert.equal(ok.attributes['k8s.pod.name'], 'traced');
  const okChildren = childrenOf(ok);
  for (const name of ['intent', 'namespaces', 'files', 'cni', 'sysctls', 'persist']) assert.ok(okChildren.some((s) => s.name === name), `${name} in ${okChildren.map((s) => s.name).join(', ')}`);
  for (const c of okChildren) within(c, ok);
  const okCni = okChildren.find((s) => s.name === 'cni') as ReceivedSpan;
  for (const p of childrenOf(okCni)) within(p, okCni);
  assert.deepEqual(childrenOf(okCni).map((s) => s.name).sort(), ['cni/berth-test-flaky', 'cni/bridge']);

  // The pull: a span per layer with its bytes.
  const layers = childrenOf(pull).filter((s) => s.name === 'layer');
  assert.ok(layers.length >= 1);
  assert.ok(Number(layers[0]?.attributes.bytes) > 0);
  assert.match(String(layers[0]?.attributes.digest), /^sha256:/);

  // Container create and start.
  assert.deepEqual(
    childrenOf(create).map((s) => s.name),
    ['intent', 'rootfs', 'spec', 'bundle', 'conmon+create', 'persist'],
  );
  for (const c of childrenOf(create)) within(c, create);
  assert.equal(create.attributes['berth.container.id'], containerId);
  assert.deepEqual(childrenOf(start).map((s) => s.name), ['runtime start']);
});

test('the timeline shows both attempts in berth describe, -o json and berthctl inspectp, and survives a berthd restart', async () => {
  assert.ok(podId, 'the trace test ran');
  await d.client.call(StopContainer, { containerId, timeout: 0n });
  await waitFor(async () => {
    const tl = JSON.parse((await d.client.call(PodSandboxStatus, { podSandboxId: podId, verbose: true })).info.timeline ?? '[]') as TimelineEntry[];
    return tl.some((e) => e.kind === 'container exit');
  }, 10_000, () => 'container exit recorded');

  const berth = (...args: string[]) => runCli(BERTH, ['-H', d.endpoint, ...args], { NODE_EXTRA_CA_CERTS: '' });
  const text = await berth('describe', 'berth-test/traced');
  assert.equal(text.code, 0, text.stderr);
  const tl = text.stdout.slice(text.stdout.indexOf('Timeline'));
  const starts = tl.split('\n').filter((l) => / pod start /.test(l));
  assert.equal(starts.length, 2, tl);
  assert.match(starts[0] as string, /FAILED in /);
  assert.match(starts[1] as string, / ok in /);
  assert.match(tl, /\n +cni +\|[ █]+\| .*✗\n +bridge +\|[ █]+\| [^✗]*\n +berth-test-flaky +\|[ █]+\| .*✗/, 'the plugins under cni, the failing one marked');
  assert.match(tl, /✗ network: .*flaky-plugin: first ADD fails on purpose/);
  assert.match(tl, /\n +cni +\|[ █]+\| +[\d.]+ \+ +[\d.]+ ms/);
  assert.match(tl, /image pull .*done in .* bytes downloaded/);
  assert.match(tl, /container create +app#0 +ok in/);
  assert.match(tl, /container start +app#0 +ok in/);
  assert.match(tl, /container exit +app#0 +exit code 137 \(Error\)/);
  process.stdout.write(`${tl}\n`);

  const json = await berth('describe', '-o', 'json', 'berth-test/traced');
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { kind: string; id: string; timeline: TimelineEntry[] };
  assert.equal(doc.kind, 'pod');
  assert.equal(doc.id, podId);
  assert.deepEqual(doc.timeline.map((e) => [e.kind, e.ok]), [
    ['pod start', false],
    ['pod start', true],
    ['image pull', true],
    ['container create', true],
    ['container start', true],
    ['container exit', false],
  ]);
  const failedCni = doc.timeline[0]?.phases?.find((p) => p.name === `cni/${FLAKY}`);
  assert.equal(failedCni?.error?.layer, 'network');

  const ctr = await berth('describe', '-o', 'json', containerId);
  assert.equal(ctr.code, 0, ctr.stderr);
  assert.deepEqual((JSON.parse(ctr.stdout) as { timeline: TimelineEntry[] }).timeline.map((e) => e.kind), ['container create', 'container start', 'container exit']);

  const inspectp = await runCli(BERTHCTL, ['-r', d.endpoint, 'inspectp', podId], { NODE_EXTRA_CA_CERTS: '' });
  assert.equal(inspectp.code, 0, inspectp.stderr);
  const info = (JSON.parse(inspectp.stdout) as { info: { timeline: TimelineEntry[] } }).info;
  assert.equal(info.timeline.filter((e) => e.kind === 'pod start').length, 2);

  // Records are on disk: a restarted berthd shows the same timeline.
  await d.stop();
  d = await restartDaemon(d);
  const after = JSON.parse((await d.client.call(PodSandboxStatus, { podSandboxId: podId, verbose: true })).info.timeline ?? '[]') as TimelineEntry[];
  assert.deepEqual(after, doc.timeline);
});

test('berth events streams pod and container events live, in order, with exit codes', async () => {
  const all = spawn(process.execPath, [BERTH, '-H', d.endpoint, 'events', '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } });
  let out = '';
  all.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const events = (): BerthEvent[] => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as BerthEvent);
  try {
    // Subscribed once an event of a throwaway pod shows (events before the subscription are not replayed).
    const sync = podConfig('events-sync', { linux: { securityContext: { namespaceOptions: { pid: 'CONTAINER' } } } });
    let syncId = '';
    await waitFor(async () => {
      if (syncId) {
        await d.client.call(StopPodSandbox, { podSandboxId: syncId });
        await d.client.call(RemovePodSandbox, { podSandboxId: syncId });
      }
      syncId = (await d.client.call(RunPodSandbox, { config: sync })).podSandboxId;
      return events().some((e) => e.type === 'pod' && e.id === syncId);
    }, 20_000, () => `berth events printed nothing: ${out}`);
    await d.client.call(StopPodSandbox, { podSandboxId: syncId });
    await d.client.call(RemovePodSandbox, { podSandboxId: syncId });
    const mark = events().length;

    const cfg = podConfig('events', { linux: { securityContext: { namespaceOptions: { pid: 'CONTAINER' } } } });
    const pod = (await d.client.call(RunPodSandbox, { config: cfg })).podSandboxId;
    const ctr = (
      await d.client.call(CreateContainer, { podSandboxId: pod, config: ContainerConfig.fromJSON({ metadata: { name: 'ev', attempt: 0 }, image: { image: busybox }, command: ['sleep', '60'] }), sandboxConfig: cfg })
    ).containerId;
    await d.client.call(StartContainer, { containerId: ctr });
    await d.client.call(StopContainer, { containerId: ctr, timeout: 0n });
    await d.client.call(RemoveContainer, { containerId: ctr });
    await d.client.call(StopPodSandbox, { podSandboxId: pod });
    await d.client.call(RemovePodSandbox, { podSandboxId: pod });
    await waitFor(() => events().some((e) => e.type === 'pod' && e.action === 'remove' && e.id === pod), 10_000, () => `events: ${out}`);
    const seen = events()
      .slice(mark)
      .filter((e) => e.id === pod || e.id === ctr)
      .map((e) => `${e.type} ${e.action}`);
    assert.deepEqual(seen, ['pod create', 'pod start', 'container create', 'container start', 'container die', 'container destroy', 'pod stop', 'pod remove']);
    const die = events().find((e) => e.id === ctr && e.action === 'die');
    assert.deepEqual(die?.attributes, { name: 'ev', pod: 'berth-test/events', image: busybox, exitCode: '137', reason: 'Error' });
  } finally {
    all.kill('SIGTERM');
  }
});
