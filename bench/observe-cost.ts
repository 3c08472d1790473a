// What observability costs. (1) In process: the observer's work per
// RunPodSandbox-shaped call (a record with 10 phases) with nothing on, with
// metrics, with metrics + tracing at 100 % (spans to a local OTLP receiver),
// and what loading each library costs (what "off" saves). (2) Pod start
// (RunPodSandbox + CreateContainer + StartContainer, image present) on three
// berthds side by side — everything off, metrics on, metrics + tracing 100 % —
// iteration by iteration interleaved so machine load falls on all alike.
// Run as root: node scripts/build.mjs && flock /tmp/berth-heavy.lock node --import tsx bench/observe-cost.ts [iterations]
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerConfig, PodSandboxConfig, SecurityProfile_ProfileType } from '../src/api/gen/api.js';
import { CreateContainer, PullImage, RemovePodSandbox, RunPodSandbox, StartContainer, StopPodSandbox } from '../src/api/methods.js';
import type { CriClient } from '../src/client/cri-client.js';
import { defaultConfig } from '../src/config/schema.js';
import { Observer } from '../src/observe/observer.js';
import { phase } from '../src/observe/op.js';
import { createLogger } from '../src/util/log.js';
import { makeTestDir, REPO, startDaemon, type TestDaemon } from '../test/support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../test/support/images/build.js';
import { startOtlpReceiver } from '../test/support/otlp-receiver.js';
import { makeTestNetwork, type TestNetwork } from '../test/support/pod-net.js';
import { imageRef, seedRegistry } from '../test/support/registry/push.js';
import { startRegistry } from '../test/support/registry/registry.js';

const N = Number(process.argv[2] ?? 30);
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const log = createLogger('error');
const otlp = await startOtlpReceiver();

// ---- (1) in process --------------------------------------------------------
async function loadMs(file: string): Promise<number> {
  const t = performance.now();
  await import(join(REPO, 'dist', file));
  return performance.now() - t;
}
const loadMetrics = await loadMs('observe-metrics.js');
const loadTracing = await loadMs('observe-tracing.js');

const PHASES = ['intent', 'namespaces', 'files', 'cni', 'sysctls', 'infra', 'persist', 'x1', 'x2', 'x3'];

/** `observe` false: the same phases outside any call (no record at all), the floor. */
async function perCall(metrics: boolean, tracing: boolean, observe = true): Promise<number> {
  const config = defaultConfig();
  config.metrics = { enabled: metrics, listen: '127.0.0.1:0', allow_remote: false };
  config.tracing = { endpoint: tracing ? otlp.url : '', sampling_rate: 1 };
  const o = await Observer.create(config, log, 'bench');
  const req = { config: { metadata: { name: 'p', namespace: 'n', uid: 'u', attempt: 0 } } };
  const headers = { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` };
  const one = async (): Promise<void> => {
    const scope = observe ? o.begin('RunPodSandbox', headers, req) : undefined;
    const work = async (): Promise<void> => {
      for (const name of PHASES) await phase(name, Promise.resolve());
    };
    if (!scope) return work();
    await scope.run(work);
    scope.end(0, '', { podSandboxId: 'id' });
  };
  for (let i = 0; i < 2000; i++) await one(); // warm-up
  const rounds = 20_000;
  const t = performance.now();
  for (let i = 0; i < rounds; i++) await one();
  const us = ((performance.now() - t) / rounds) * 1000;
  await o.close();
  return us;
}
const micro = { none: await perCall(false, false, false), off: await perCall(false, false), metrics: await perCall(true, false), tracing: await perCall(true, true) };
process.stdout.write(
  `in process: load observe-metrics.js ${loadMetrics.toFixed(1)} ms, observe-tracing.js ${loadTracing.toFixed(1)} ms (first import)\n` +
    `per RunPodSandbox-shaped call (10 phases): no record ${micro.none.toFixed(1)} µs, record only (timeline; metrics and tracing off) ${micro.off.toFixed(1)} µs, metrics ${micro.metrics.toFixed(1)} µs, metrics+tracing 100% ${micro.tracing.toFixed(1)} µs\n`,
);

// ---- (2) pod start ---------------------------------------------------------
const reg = await startRegistry({ auth: 'none' });
const busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
const setups: { tag: string; toml: string }[] = [
  { tag: 'off', toml: '' },
  { tag: 'metrics', toml: '\n[metrics]\nenabled = true\nlisten = "127.0.0.1:0"\n' },
  { tag: 'metrics+tracing100', toml: `\n[metrics]\nenabled = true\nlisten = "127.0.0.1:0"\n[tracing]\nendpoint = "${otlp.url}"\nsampling_rate = 1.0\n` },
];
const daemons: { tag: string; d: TestDaemon; net: TestNetwork; logDir: string }[] = [];
try {
  for (const s of setups) {
    const dir = await makeTestDir(`berth-obscost-${s.tag.replace(/\W/g, '')}-`);
    const net = await makeTestNetwork(dir, { noPortmap: true });
    const d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, logLevel: 'info', toml: `${net.toml}${s.toml}` });
    await d.client.call(PullImage, { image: { image: busybox } });
    daemons.push({ tag: s.tag, d, net, logDir: join(dir, 'logs') });
  }
  const times: number[][] = daemons.map(() => []);
  const traced = { metadata: { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` } };
  for (let i = -3; i < N; i++) {
    for (const [k, x] of daemons.entries()) {
      const ms = await podStart(x.d.client, i + 3, x.tag, busybox, x.logDir, k === 2 ? traced : {});
      if (i >= 0) times[k]?.push(ms.total);
      await x.d.client.call(StopPodSandbox, { podSandboxId: ms.podId });
      await x.d.client.call(RemovePodSandbox, { podSandboxId: ms.podId });
    }
  }
  const base = pct(times[0] ?? [], 50);
  for (const [k, x] of daemons.entries()) {
    const t = times[k] ?? [];
    const p50 = pct(t, 50);
    // spawn forks berthd (cost grows with its RSS, STACK.md): a library that grows RSS slows every tool started.
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${x.d.proc.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    process.stdout.write(`pod start ${x.tag.padEnd(20)} n=${t.length} p50 ${p50.toFixed(1)} ms  p90 ${pct(t, 90).toFixed(1)} ms  (${(((p50 - base) / base) * 100).toFixed(1)} % vs off)  berthd RSS ${rssMb.toFixed(0)} MB\n`);
  }
  process.stdout.write(`spans received: ${otlp.spans.length}\n`);
} finally {
  for (const x of daemons) {
    await x.d.cleanup();
    await x.net.cleanup();
  }
  await reg.stop();
  await otlp.close();
}

async function podStart(c: CriClient, i: number, tag: string, image: string, logDir: string, opts: { metadata?: Record<string, string> }): Promise<{ total: number; podId: string }> {
  const config = PodSandboxConfig.fromPartial({
    metadata: { name: `obs-${tag.replace(/\W/g, '')}-${i}`, namespace: 'bench', uid: `uid-${tag}-${i}`, attempt: 0 },
    hostname: `obs-${i}`,
    logDirectory: join(logDir, `${i}`),
    linux: { securityContext: { namespaceOptions: { pid: 1 } } },
  });
  const t0 = performance.now();
  const { podSandboxId } = await c.call(RunPodSandbox, { config }, opts);
  const { containerId } = await c.call(
    CreateContainer,
    {
      podSandboxId,
      config: ContainerConfig.fromPartial({
        metadata: { name: 'sleeper', attempt: 0 },
        image: { image },
        command: ['sleep', '3600'],
        logPath: 'sleeper.log',
        linux: { securityContext: { seccomp: { profileType: SecurityProfile_ProfileType.Unconfined } } },
      }),
      sandboxConfig: config,
    },
    opts,
  );
  await c.call(StartContainer, { containerId }, opts);
  return { total: performance.now() - t0, podId: podSandboxId };
}
