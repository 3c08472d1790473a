// The calls the kubelet polls, at 100 running pods: ListPodSandbox,
// ListContainers, PodSandboxStatus, ContainerStatus and ListContainerStats,
// Berth vs containerd 1.6 (its CRI plugin), timed by a client that is not
// Berth's — Debian's gRPC-Go, the kubelet's own stack
// (test/clients/go/cri-poll-bench) — which interleaves the runtimes in a
// random order per round. The pods (one running busybox `sleep` each, the
// same CNI chain for both: bridge + host-local, no port mappings so no
// portmap) are set up with Berth's client beforehand; only the timed calls
// come from the Go client.
//
// Run as root, alone on the machine's heavy lock:
//   node scripts/build.mjs && flock -x /tmp/berth-heavy.lock node --import tsx bench/list-latency.ts [pods] [rounds]
// BENCH_BERTH_CPUPROF=<dir>: berthd writes a V8 CPU profile there when it stops.
// BENCH_BUDGET=8m: stop measuring after this long (Go duration).
// BENCH_OWN_CLIENT=1: also time the same calls with Berth's own client (a second row per runtime).
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContainerConfig, PodSandboxConfig, SecurityProfile_ProfileType } from '../src/api/gen/api.js';
import {
  ContainerStatus,
  CreateContainer,
  ListContainers,
  ListContainerStats,
  ListPodSandbox,
  PodSandboxStatus,
  PullImage,
  RemovePodSandbox,
  RunPodSandbox,
  StartContainer,
  StopPodSandbox,
} from '../src/api/methods.js';
import { CriClient } from '../src/client/cri-client.js';
import { startContainerd } from '../test/support/containerd.js';
import { makeTestDir, startDaemon } from '../test/support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../test/support/images/build.js';
import { makeTestNetwork } from '../test/support/pod-net.js';
import { imageRef, seedRegistry } from '../test/support/registry/push.js';
import { startRegistry } from '../test/support/registry/registry.js';
import { goClient, run } from '../test/support/third-party.js';

const sh = promisify(execFile);
const PODS = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 1000);
const WARMUP = 50;
/** The measuring stops after this long whatever the rounds (the heavy lock is held ≤ 15 min); the output says how many ran. */
const BUDGET = process.env.BENCH_BUDGET ?? '8m';
const CALLS = ['ListPodSandbox', 'ListContainers', 'PodSandboxStatus', 'ContainerStatus', 'ListContainerStats'] as const;
type Call = (typeof CALLS)[number];

interface GoReport {
  runtimes: Record<string, { pods: number; containers: number; samplesNs: Record<Call, number[]>; lastCounts: Record<Call, number> }>;
  order: string[];
  rounds: number;
  error?: string;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function summarise(ms: number[]): Summary {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s[s.length - 1] ?? NaN };
}

const progress = (m: string): void => {
  process.stderr.write(`[${new Date().toISOString()}] ${m}\n`);
};

function podConfig(i: number, tag: string, logDir: string): PodSandboxConfig {
  return PodSandboxConfig.fromPartial({
    metadata: { name: `poll-${tag}-${i}`, namespace: 'bench', uid: `uid-poll-${tag}-${i}`, attempt: 0 },
    hostname: `poll-${i}`,
    logDirectory: join(logDir, `${tag}-${i}`),
    labels: { app: 'poll-bench', 'io.kubernetes.pod.name': `poll-${tag}-${i}` },
    annotations: { 'kubernetes.io/config.source': 'api' },
    linux: { securityContext: { namespaceOptions: { pid: 1 /* CONTAINER */ } } },
  });
}

function ctrConfig(image: string, i: number): ContainerConfig {
  return ContainerConfig.fromPartial({
    metadata: { name: 'sleeper', attempt: 0 },
    image: { image },
    command: ['sleep', '36000'],
    logPath: 'sleeper.log',
    labels: { 'io.kubernetes.container.name': 'sleeper', 'io.kubernetes.pod.name': `poll-${i}` },
    annotations: { 'io.kubernetes.container.restartCount': '0', 'io.kubernetes.container.terminationMessagePath': '/dev/termination-log' },
    linux: { securityContext: { seccomp: { profileType: SecurityProfile_ProfileType.Unconfined } } },
  });
}

/** `n` pods with one running container each, `width` at a time. */
async function startPods(c: CriClient, n: number, tag: string, image: string, logDir: string, width = 4): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const config = podConfig(i, tag, logDir);
      const { podSandboxId } = await c.call(RunPodSandbox, { config, runtimeHandler: '' });
      ids.push(podSandboxId);
      const { containerId } = await c.call(CreateContainer, { podSandboxId, config: ctrConfig(image, i), sandboxConfig: config });
      await c.call(StartContainer, { containerId });
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return ids;
}

async function removePods(c: CriClient, ids: string[]): Promise<void> {
  for (const podSandboxId of ids) {
    await c.call(StopPodSandbox, { podSandboxId }).catch(() => undefined);
    await c.call(RemovePodSandbox, { podSandboxId }).catch(() => undefined);
  }
}

/** The same rounds with Berth's own client (Node), for comparison: same shuffling, one call in flight. */
async function ownClientRounds(targets: { name: string; c: CriClient }[], rounds: number): Promise<Record<string, Record<Call, number[]>>> {
  const out: Record<string, Record<Call, number[]>> = {};
  const ids: Record<string, { pods: string[]; ctrs: string[] }> = {};
  for (const t of targets) {
    out[t.name] = Object.fromEntries(CALLS.map((k) => [k, [] as number[]])) as Record<Call, number[]>;
    const pods = (await t.c.call(ListPodSandbox, { filter: { id: '', state: { state: 0 }, labelSelector: {} } })).items.map((p) => p.id);
    const ctrs = (await t.c.call(ListContainers, { filter: { id: '', podSandboxId: '', state: { state: 1 }, labelSelector: {} } })).containers.map((x) => x.id);
    ids[t.name] = { pods, ctrs };
  }
  const shuffle = <T>(a: T[]): T[] => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [a[i], a[j]] = [a[j] as T, a[i] as T];
    }
    return a;
  };
  const pick = <T>(a: T[]): T => a[Math.floor(Math.random() * a.length)] as T;
  for (let r = -WARMUP; r < rounds; r++) {
    for (const call of shuffle([...CALLS])) {
      for (const t of shuffle([...targets])) {
        const { pods, ctrs } = ids[t.name]!;
        const pod = pick(pods);
        const ctr = pick(ctrs);
        const t0 = performance.now();
        switch (call) {
          case 'ListPodSandbox':
            await t.c.call(ListPodSandbox, {});
            break;
          case 'ListContainers':
            await t.c.call(ListContainers, {});
            break;
          case 'PodSandboxStatus':
            await t.c.call(PodSandboxStatus, { podSandboxId: pod, verbose: false });
            break;
          case 'ContainerStatus':
            await t.c.call(ContainerStatus, { containerId: ctr, verbose: false });
            break;
          case 'ListContainerStats':
            await t.c.call(ListContainerStats, {});
            break;
        }
        if (r >= 0) out[t.name]![call].push(performance.now() - t0);
      }
    }
  }
  return out;
}

const f = (x: number): string => x.toFixed(3);
const TARGET: Record<Call, string> = {
  ListPodSandbox: 'p50, p99 ≤ containerd',
  ListContainers: 'p50, p99 ≤ containerd',
  PodSandboxStatus: 'p50, p99 ≤ containerd',
  ContainerStatus: 'p50, p99 ≤ containerd',
  ListContainerStats: 'p50 ≤ 5 ms',
};

function verdict(call: Call, b: Summary, c: Summary): string {
  if (call === 'ListContainerStats') return b.p50 <= 5 ? 'met' : 'missed';
  return b.p50 <= c.p50 && b.p99 <= c.p99 ? 'met' : 'missed';
}

function table(title: string, b: Record<Call, Summary>, c: Record<Call, Summary>): string[] {
  const lines = [
    title,
    '',
    '| call | berth p50 | p90 | p99 | max | containerd p50 | p90 | p99 | max | ratio p50 | ratio p99 | target | |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const k of CALLS) {
    const x = b[k];
    const y = c[k];
    lines.push(
      `| ${k} | ${f(x.p50)} | ${f(x.p90)} | ${f(x.p99)} | ${f(x.max)} | ${f(y.p50)} | ${f(y.p90)} | ${f(y.p99)} | ${f(y.max)} | ${(x.p50 / y.p50).toFixed(2)} | ${(x.p99 / y.p99).toFixed(2)} | ${TARGET[k]} | ${verdict(k, x, y)} |`,
    );
  }
  return lines;
}

const loadavg = async (): Promise<string> => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');

const work = await makeTestDir('bench-lists-');
const reg = await startRegistry({ auth: 'none' });
const images = await seedRegistry(reg, DEFAULT_IMAGE_DIR);
const busybox = imageRef(reg.host, images.busybox);
const pause = imageRef(reg.host, images.catatonit);
const logDir = join(work, 'logs');
await mkdir(logDir, { recursive: true });
const netB = await makeTestNetwork(join(work, 'net-berth'), { noPortmap: true });
const netC = await makeTestNetwork(join(work, 'net-ctrd'), { noPortmap: true });
const bin = await goClient('cri-poll-bench');
const profDir = process.env.BENCH_BERTH_CPUPROF;
const env: NodeJS.ProcessEnv = profDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` } : {};
const d = await startDaemon({ cniConfDir: netB.confDir, installDefaultNetwork: false, toml: netB.toml, logLevel: 'info', env });
const ctrd = await startContainerd({ cniConfDir: netC.confDir, mirrors: { [reg.host]: `http://${reg.host}` }, sandboxImage: pause });
const cc = new CriClient(ctrd.endpoint, 120_000);
let berthPods: string[] = [];
let ctrdPods: string[] = [];
try {
  await d.client.call(PullImage, { image: { image: busybox } });
  await cc.call(PullImage, { image: { image: busybox } });
  await cc.call(PullImage, { image: { image: pause } });
  progress(`starting ${PODS} pods on each runtime`);
  berthPods = await startPods(d.client, PODS, 'berth', busybox, logDir);
  ctrdPods = await startPods(cc, PODS, 'ctrd', busybox, logDir);
  // Let the start-up work (CNI, exit watchers, containerd's event handling) settle.
  await new Promise((r) => setTimeout(r, 5000));
  const loadBefore = await loadavg();
  const started = new Date();
  progress(`timing ${ROUNDS} rounds (+${WARMUP} warm-up) with the Go client`);
  const r = await run(bin, ['-runtime', `berth=${d.socket}`, '-runtime', `containerd=${ctrd.socket}`, '-rounds', String(ROUNDS), '-warmup', String(WARMUP), '-budget', BUDGET], { killAfterMs: 30 * 60_000 });
  process.stderr.write(r.stderr);
  const loadAfter = await loadavg();
  if (!r.report.trim()) throw new Error(`cri-poll-bench gave no report (${r.code}): ${r.stderr}`);
  const rep = JSON.parse(r.report) as GoReport;
  if (rep.error) throw new Error(`cri-poll-bench: ${rep.error}`);
  const toMs = (name: string): Record<Call, Summary> =>
    Object.fromEntries(CALLS.map((k) => [k, summarise((rep.runtimes[name]?.samplesNs[k] ?? []).map((ns) => ns / 1e6))])) as Record<Call, Summary>;
  const b = toMs('berth');
  const c = toMs('containerd');
  const counts = (name: string): string => {
    const x = rep.runtimes[name]!;
    return `${x.pods} ready pods, ${x.containers} running containers; last lists: ${CALLS.filter((k) => k.startsWith('List')).map((k) => `${k} ${x.lastCounts[k]}`).join(', ')}`;
  };
  const out = [
    `${started.toISOString()} → ${new Date().toISOString()}; ${PODS} pods per runtime; ${rep.rounds} measured rounds (of ${ROUNDS} asked, budget ${BUDGET}) after ${WARMUP} warm-up rounds, each call once per runtime per round, call order and runtime order shuffled per round; load average before ${loadBefore}, after ${loadAfter}`,
    `berth: ${counts('berth')}`,
    `containerd: ${counts('containerd')}`,
    '',
    ...table('Go client (Debian gRPC-Go 1.33, one connection per runtime, one call in flight), ms:', b, c),
  ];
  if (process.env.BENCH_OWN_CLIENT) {
    progress('timing again with Berth’s own client');
    const own = await ownClientRounds([{ name: 'berth', c: d.client }, { name: 'containerd', c: cc }], ROUNDS);
    const sum = (name: string): Record<Call, Summary> => Object.fromEntries(CALLS.map((k) => [k, summarise(own[name]![k])])) as Record<Call, Summary>;
    out.push('', ...table("Berth's own client (Node, src/client), same rounds, ms:", sum('berth'), sum('containerd')));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  await writeFile(join(process.cwd(), 'bench', 'last-list-latency.md'), `${out.join('\n')}\n`);
} finally {
  progress('removing pods');
  await removePods(d.client, berthPods);
  await removePods(cc, ctrdPods);
  cc.close();
  await ctrd.stop();
  await d.cleanup();
  await netB.cleanup();
  await netC.cleanup();
  await reg.stop();
  await sh('sh', ['-c', `mount | awk '{print $3}' | grep '^${work}' | sort -r | xargs -r umount -l`]).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
