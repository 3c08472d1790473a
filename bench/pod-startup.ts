// The headline number: RunPodSandbox + CreateContainer + StartContainer of a
// busybox `sleep` container (image present), Berth vs containerd 1.6 (its CRI
// plugin), the same client, the same CNI work (bench/support/peers.ts), back
// to back in one run; plus the floor (bare netns + CNI + overlay + runc create/start) and
// memory (idle, and with 30 running pods: daemon + per-pod monitors).
// Run as root: node scripts/build.mjs && node --import tsx bench/pod-startup.ts [iterations]
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CriClient } from '../src/client/cri-client.js';
import { makeTestDir } from '../test/support/daemon.js';
import { measureFloor } from './floor.js';
import { loadAverage, ms as f, pct, podConfig, startPod, stopPod, type StartTiming as Timing } from './support/pod-cycle.js';
import { progress, startPeers } from './support/peers.js';

const N = Number(process.argv[2] ?? 50);
const MEM_PODS = Number(process.argv[3] ?? 30);

async function oneRun(c: CriClient, i: number, tag: string, image: string, logDir: string): Promise<{ t: Timing; podId: string }> {
  return startPod(c, podConfig({ shape: 'default', name: `bench-${tag}-${i}`, logDir }), image);
}

async function removePod(c: CriClient, podId: string): Promise<void> {
  await stopPod(c, podId);
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


progress('registry, networks, both runtimes');
const peers = await startPeers({ withPortsContainerd: false });
let floorDir: string | undefined;
try {
  const d = peers.berth;
  const ctrd = peers.containerd.peer;
  const cc = peers.containerd.client;
  const busybox = peers.busybox;
  const logDir = peers.logDir;
  await new Promise((r) => setTimeout(r, 2000));
  const freshIdle = { berth: await rssKb(d.proc.pid ?? 0), ctrd: await rssKb(ctrd.proc.pid ?? 0) };
  await peers.pull();
  progress('interleaved series');
  const [berth, containerd] = (await interleaved([{ c: d.client, tag: 'berth' }, { c: cc, tag: 'ctrd' }], busybox, logDir)) as [Timing[], Timing[]];
  progress('memory');
  const berthMem = await memory(d.client, d.proc.pid ?? 0, ['conmon'], 'berth-mem', busybox, logDir);
  const ctrdMem = await memory(cc, ctrd.proc.pid ?? 0, ['containerd-shim-runc-v2', 'containerd-shim'], 'ctrd-mem', busybox, logDir);
  // Per-step timings ("pod ready", "container created") are in berthd's log.
  if (process.env.BENCH_BERTH_LOG) await writeFile(process.env.BENCH_BERTH_LOG, d.logs());
  await peers.close();

  progress('floor');
  floorDir = await makeTestDir('bench-floor-');
  const floor = await measureFloor(N, floorDir, peers.busyboxImage);

  const b = summary('berth', berth);
  const c = summary('containerd', containerd);
  const out = [
    `iterations: ${N} per runtime (after 3 warm-ups), alternating berth/containerd; gRPC time RunPodSandbox+CreateContainer+StartContainer, ms; load average at the end: ${loadAverage(await readFile('/proc/loadavg', 'utf8'))}`,
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
  await peers.close();
  if (floorDir) await rm(floorDir, { recursive: true, force: true });
}
