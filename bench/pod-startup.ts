// The headline number: RunPodSandbox + CreateContainer + StartContainer of a
// busybox `sleep` container (image present), Berth vs containerd 1.6 (its CRI
// plugin), the same client, the same CNI config shape, back to back in one
// run; plus the floor (bare netns + CNI + overlay + runc create/start) and
// memory (idle, and with 30 running pods: daemon + per-pod monitors).
// Run as root: node scripts/build.mjs && node --import tsx bench/pod-startup.ts [iterations]
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContainerConfig, PodSandboxConfig, SecurityProfile_ProfileType } from '../src/api/gen/api.js';
import { CreateContainer, PullImage, RemovePodSandbox, RunPodSandbox, StartContainer, StopPodSandbox } from '../src/api/methods.js';
import { CriClient } from '../src/client/cri-client.js';
import { startContainerd } from '../test/support/containerd.js';
import { makeTestDir, startDaemon } from '../test/support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../test/support/images/build.js';
import { makeTestNetwork } from '../test/support/pod-net.js';
import { imageRef, seedRegistry } from '../test/support/registry/push.js';
import { startRegistry } from '../test/support/registry/registry.js';
import { measureFloor } from './floor.js';

const sh = promisify(execFile);
const N = Number(process.argv[2] ?? 50);
const MEM_PODS = Number(process.argv[3] ?? 30);

interface Timing {
  total: number;
  run: number;
  create: number;
  start: number;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function podConfig(i: number, tag: string, logDir: string): PodSandboxConfig {
  return PodSandboxConfig.fromPartial({
    metadata: { name: `bench-${tag}-${i}`, namespace: 'bench', uid: `uid-${tag}-${i}`, attempt: 0 },
    hostname: `bench-${i}`,
    logDirectory: join(logDir, `${tag}-${i}`),
    // What the kubelet sends for a pod without shareProcessNamespace.
    linux: { securityContext: { namespaceOptions: { pid: 1 /* CONTAINER */ } } },
  });
}

function ctrConfig(image: string): ContainerConfig {
  return ContainerConfig.fromPartial({
    metadata: { name: 'sleeper', attempt: 0 },
    image: { image },
    command: ['sleep', '3600'],
    logPath: 'sleeper.log',
    // The kubelet names a seccomp profile for every container: Unconfined unless the pod asks.
    linux: { securityContext: { seccomp: { profileType: SecurityProfile_ProfileType.Unconfined } } },
  });
}

async function oneRun(c: CriClient, i: number, tag: string, image: string, logDir: string): Promise<{ t: Timing; podId: string }> {
  const config = podConfig(i, tag, logDir);
  const t0 = performance.now();
  const { podSandboxId } = await c.call(RunPodSandbox, { config, runtimeHandler: '' });
  const t1 = performance.now();
  const { containerId } = await c.call(CreateContainer, { podSandboxId, config: ctrConfig(image), sandboxConfig: config });
  const t2 = performance.now();
  await c.call(StartContainer, { containerId });
  const t3 = performance.now();
  return { t: { total: t3 - t0, run: t1 - t0, create: t2 - t1, start: t3 - t2 }, podId: podSandboxId };
}

async function removePod(c: CriClient, podId: string): Promise<void> {
  await c.call(StopPodSandbox, { podSandboxId: podId });
  await c.call(RemovePodSandbox, { podSandboxId: podId });
}

/** Both runtimes, iteration by iteration alternating, so machine load falls on both alike. */
async function interleaved(runs: { c: CriClient; tag: string }[], image: string, logDir: string): Promise<Timing[][]> {
  const out: Timing[][] = runs.map(() => []);
  for (let i = -3; i < N; i++) {
    for (const [k, r] of runs.entries()) {
      const { t, podId } = await oneRun(r.c, i + 3, r.tag, image, logDir);
      if (i >= 0) out[k]!.push(t); // the first three are warm-ups
      await removePod(r.c, podId);
    }
  }
  return out;
}

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** RSS of processes whose command line starts with one of `names` (monitors/shims). */
async function rssOf(names: string[]): Promise<{ count: number; kb: number }> {
  let count = 0;
  let kb = 0;
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cmd = (await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).split('\0')[0] ?? '';
    if (names.some((n) => cmd === n || cmd.endsWith(`/${n}`))) {
      count++;
      kb += await rssKb(Number(p));
    }
  }
  return { count, kb };
}

async function memory(c: CriClient, daemonPid: number, monitors: string[], tag: string, image: string, logDir: string): Promise<{ idleKb: number; daemonKb: number; monitorKb: number; monitors: number; perPodKb: number }> {
  await new Promise((r) => setTimeout(r, 2000));
  const idleKb = await rssKb(daemonPid);
  const before = await rssOf(monitors);
  const pods: string[] = [];
  for (let i = 0; i < MEM_PODS; i++) pods.push((await oneRun(c, 5000 + i, tag, image, logDir)).podId);
  await new Promise((r) => setTimeout(r, 3000));
  const daemonKb = await rssKb(daemonPid);
  const after = await rssOf(monitors);
  const monitorKb = after.kb - before.kb;
  for (const p of pods) await removePod(c, p);
  return { idleKb, daemonKb, monitorKb, monitors: after.count - before.count, perPodKb: (daemonKb - idleKb + monitorKb) / MEM_PODS };
}

function summary(name: string, ts: Timing[]): Record<string, number> {
  const tot = ts.map((t) => t.total);
  return {
    p50: pct(tot, 50),
    p90: pct(tot, 90),
    p99: pct(tot, 99),
    run50: pct(ts.map((t) => t.run), 50),
    create50: pct(ts.map((t) => t.create), 50),
    start50: pct(ts.map((t) => t.start), 50),
    [`_${name}`]: 0,
  };
}

const f = (x: number): string => x.toFixed(1);
const progress = (m: string): void => {
  process.stderr.write(`[${new Date().toISOString()}] ${m}\n`);
};

const work = await makeTestDir('bench-pods-');
const reg = await startRegistry({ auth: 'none' });
const images = await seedRegistry(reg, DEFAULT_IMAGE_DIR);
const busybox = imageRef(reg.host, images.busybox);
const pause = imageRef(reg.host, images.catatonit);
const logDir = join(work, 'logs');
await mkdir(logDir, { recursive: true });
progress('networks');
const netB = await makeTestNetwork(join(work, 'net-berth'), { noPortmap: false });
const netC = await makeTestNetwork(join(work, 'net-ctrd'), { noPortmap: false });
try {
  progress('start both runtimes');
  const d = await startDaemon({ cniConfDir: netB.confDir, installDefaultNetwork: false, toml: netB.toml, logLevel: 'info' });
  const ctrd = await startContainerd({ cniConfDir: netC.confDir, mirrors: { [reg.host]: `http://${reg.host}` }, sandboxImage: pause });
  await new Promise((r) => setTimeout(r, 2000));
  const freshIdle = { berth: await rssKb(d.proc.pid ?? 0), ctrd: await rssKb(ctrd.proc.pid ?? 0) };
  await d.client.call(PullImage, { image: { image: busybox } });
  const cc = new CriClient(ctrd.endpoint, 120_000);
  await cc.call(PullImage, { image: { image: busybox } });
  await cc.call(PullImage, { image: { image: pause } });
  progress('interleaved series');
  const [berth, containerd] = (await interleaved([{ c: d.client, tag: 'berth' }, { c: cc, tag: 'ctrd' }], busybox, logDir)) as [Timing[], Timing[]];
  progress('memory');
  const berthMem = await memory(d.client, d.proc.pid ?? 0, ['conmon'], 'berth-mem', busybox, logDir);
  const ctrdMem = await memory(cc, ctrd.proc.pid ?? 0, ['containerd-shim-runc-v2', 'containerd-shim'], 'ctrd-mem', busybox, logDir);
  cc.close();
  await ctrd.stop();
  // Per-step timings ("pod ready", "container created") are in berthd's log.
  if (process.env.BENCH_BERTH_LOG) await writeFile(process.env.BENCH_BERTH_LOG, d.logs());
  await d.cleanup();

  progress('floor');
  const floor = await measureFloor(N, join(work, 'floor'), images.busybox);

  const b = summary('berth', berth);
  const c = summary('containerd', containerd);
  const out = [
    `iterations: ${N} per runtime (after 3 warm-ups), alternating berth/containerd; gRPC time RunPodSandbox+CreateContainer+StartContainer, ms; load average at the end: ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`,
    '',
    '| runtime | p50 | p90 | p99 | RunPodSandbox p50 | CreateContainer p50 | StartContainer p50 |',
    '|---|---:|---:|---:|---:|---:|---:|',
    `| berth | ${f(b.p50!)} | ${f(b.p90!)} | ${f(b.p99!)} | ${f(b.run50!)} | ${f(b.create50!)} | ${f(b.start50!)} |`,
    `| containerd 1.6 | ${f(c.p50!)} | ${f(c.p90!)} | ${f(c.p99!)} | ${f(c.run50!)} | ${f(c.create50!)} | ${f(c.start50!)} |`,
    `| floor (netns + CNI + overlay + runc create/start) | ${f(pct(floor, 50))} | ${f(pct(floor, 90))} | ${f(pct(floor, 99))} | | | |`,
    '',
    `ratios: berth/containerd p50 ${(b.p50! / c.p50!).toFixed(2)}, p99 ${(b.p99! / c.p99!).toFixed(2)}; berth/floor p50 ${(b.p50! / pct(floor, 50)).toFixed(2)}`,
    '',
    `memory with ${MEM_PODS} running single-container pods (RSS, MB):`,
    '',
    '| runtime | daemon idle (fresh) | daemon before pods (after the series) | daemon with pods | monitors (count, total) | per pod above idle |',
    '|---|---:|---:|---:|---:|---:|',
    `| berth | ${f(freshIdle.berth / 1024)} | ${f(berthMem.idleKb / 1024)} | ${f(berthMem.daemonKb / 1024)} | ${berthMem.monitors} conmon, ${f(berthMem.monitorKb / 1024)} | ${f(berthMem.perPodKb / 1024)} |`,
    `| containerd 1.6 | ${f(freshIdle.ctrd / 1024)} | ${f(ctrdMem.idleKb / 1024)} | ${f(ctrdMem.daemonKb / 1024)} | ${ctrdMem.monitors} shims, ${f(ctrdMem.monitorKb / 1024)} | ${f(ctrdMem.perPodKb / 1024)} |`,
  ].join('\n');
  process.stdout.write(`${out}\n`);
  await writeFile(join(process.cwd(), 'bench', 'last-pod-startup.md'), `${out}\n`);
} finally {
  await netB.cleanup();
  await netC.cleanup();
  await reg.stop();
  await sh('sh', ['-c', `mount | awk '{print $3}' | grep '^${work}' | sort -r | xargs -r umount -l`]).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
