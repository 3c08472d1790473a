// The headline number: RunPodSandbox + CreateContainer + StartContainer of a
// busybox `sleep` container (image present), Berth vs containerd 1.6 (its CRI
// plugin), the same client, the same CNI work (bench/support/peers.ts), back
// to back in one run; plus the floor (bare netns + CNI + overlay + runc create/start) and
// memory (idle, and with 30 running pods: daemon + per-pod monitors).
// Run as root: node scripts/build.mjs && node --import tsx bench/pod-startup.ts [iterations]
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CriClient } from '../src/client/cri-client.js';
import { makeTestDir } from '../test/support/daemon.js';
import { BERTH_HELPERS, CONTAINERD_HELPERS, helpersMem, memOf, mib, type HelperSpec, type HelpersMem, type Mem } from '../test/support/memory.js';
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

/** Memory with MEM_PODS running pods: daemon and its per-pod helpers (test/support/memory.ts), RSS and PSS. */
async function memory(c: CriClient, daemonPid: number, helpers: HelperSpec, tag: string, image: string, logDir: string): Promise<{ idle: Mem; daemon: Mem; helpers: HelpersMem; perPod: Mem }> {
  await new Promise((r) => setTimeout(r, 2000));
  const idle = await memOf(daemonPid);
  const pods: string[] = [];
  for (let i = 0; i < MEM_PODS; i++) pods.push((await oneRun(c, 5000 + i, tag, image, logDir)).podId);
  await new Promise((r) => setTimeout(r, 3000));
  const daemon = await memOf(daemonPid);
  const h = await helpersMem(helpers);
  for (const p of pods) await removePod(c, p);
  const perPod = (k: keyof Mem): number => (daemon[k] - idle[k] + h[k]) / MEM_PODS;
  return { idle, daemon, helpers: h, perPod: { rssKiB: perPod('rssKiB'), pssKiB: perPod('pssKiB') } };
}

const m = (x: Mem): string => `${mib(x.rssKiB)} / ${mib(x.pssKiB)}`;

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
  const freshIdle = { berth: await memOf(d.proc.pid ?? 0), ctrd: await memOf(ctrd.proc.pid ?? 0) };
  await peers.pull();
  progress('interleaved series');
  const [berth, containerd] = (await interleaved([{ c: d.client, tag: 'berth' }, { c: cc, tag: 'ctrd' }], busybox, logDir)) as [Timing[], Timing[]];
  progress('memory');
  const berthMem = await memory(d.client, d.proc.pid ?? 0, BERTH_HELPERS(d.dir), 'berth-mem', busybox, logDir);
  const ctrdMem = await memory(cc, ctrd.proc.pid ?? 0, CONTAINERD_HELPERS(ctrd.dir), 'ctrd-mem', busybox, logDir);
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
    `memory with ${MEM_PODS} running single-container pods (MB, RSS / PSS; bench/memory.ts steps through 10, 30, 100):`,
    '',
    '| runtime | daemon idle (fresh) | daemon before pods (after the series) | daemon with pods | helpers (count, total) | per pod above idle |',
    '|---|---:|---:|---:|---:|---:|',
    `| berth | ${m(freshIdle.berth)} | ${m(berthMem.idle)} | ${m(berthMem.daemon)} | ${berthMem.helpers.monitors} conmon, ${m(berthMem.helpers)} | ${m(berthMem.perPod)} |`,
    `| containerd 1.6 | ${m(freshIdle.ctrd)} | ${m(ctrdMem.idle)} | ${m(ctrdMem.daemon)} | ${ctrdMem.helpers.monitors} shims + ${ctrdMem.helpers.pauses} pause, ${m(ctrdMem.helpers)} | ${m(ctrdMem.perPod)} |`,
  ].join('\n');
  process.stdout.write(`${out}\n`);
  await writeFile(join(process.cwd(), 'bench', 'last-pod-startup.md'), `${out}\n`);
} finally {
  await peers.close();
  if (floorDir) await rm(floorDir, { recursive: true, force: true });
}
