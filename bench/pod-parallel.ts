// Many pods started at once, as the kubelet does after a node reboot, a drain
// or a scale-up: N pods (one running busybox `sleep` container each,
// kubelet-default shape) started with at most C in flight, then stopped and
// removed with at most C in flight. Berth and containerd 1.6 (its CRI plugin)
// run bursts alternately, in random order per round and concurrency, through
// the same client, each with its own private CNI network (bench/support/peers.ts:
// bridge with ipMasq + host-local; Berth's list also names portmap, which it
// skips for pods without port mappings, so both run the same plugins).
//
// Run as root: node scripts/build.mjs && node --import tsx bench/pod-parallel.ts [rounds] [pods] [concurrencies]
//   e.g. bench/pod-parallel.ts 3 100 4,16
// With --profile: one extra burst per runtime and concurrency under `perf record -a`, after the timed
// rounds, and a table of CPU seconds per component (berthd's thread, runc, conmon, CNI, iptables, …).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CriClient } from '../src/client/cri-client.js';
import { attribute, renderTable, startRecording, stopRecording, type CpuTable } from './support/cpu-profile.js';
import { progress, startPeers } from './support/peers.js';
import { loadAverage as loadOf, pct, podConfig, startPod as startOne, stopPod, type StartTiming as Timing } from './support/pod-cycle.js';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const ROUNDS = Number(positional[0] ?? 3);
const PODS = Number(positional[1] ?? 100);
const CONCURRENCIES = (positional[2] ?? '4,16').split(',').map(Number);
const PROFILE = process.argv.includes('--profile');

const loadAverage = async (): Promise<string> => loadOf(await readFile('/proc/loadavg', 'utf8'));

function startPod(c: CriClient, i: number, tag: string, image: string, logDir: string): Promise<{ t: Timing; podId: string }> {
  return startOne(c, podConfig({ shape: 'default', name: `bench-${tag}-${i}`, logDir }), image);
}

async function removePod(c: CriClient, podId: string): Promise<void> {
  await stopPod(c, podId);
}

interface Burst {
  /** ms from the first RunPodSandbox to the last StartContainer's answer. */
  startWall: number;
  /** ms to stop and remove them all. */
  removeWall: number;
  perPod: Timing[];
}

/** Runs `f(i)` for i in [0, n) with at most `c` in flight. */
async function pool(n: number, c: number, f: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await f(next++);
  };
  await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
}

async function burst(client: CriClient, tag: string, c: number, image: string, logDir: string): Promise<Burst> {
  const perPod: Timing[] = [];
  const pods: string[] = [];
  const t0 = performance.now();
  await pool(PODS, c, async (i) => {
    const { t, podId } = await startPod(client, i, tag, image, logDir);
    perPod.push(t);
    pods.push(podId);
  });
  const startWall = performance.now() - t0;
  const t1 = performance.now();
  await pool(pods.length, c, (i) => removePod(client, pods[i] as string));
  return { startWall, removeWall: performance.now() - t1, perPod };
}

function shuffled<T>(xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

const median = (xs: number[]): number => pct(xs, 50);
const f0 = (x: number): string => x.toFixed(0);
const f2 = (x: number): string => x.toFixed(2);
/** Lets exits, reaping and the kernel's deferred work of the previous burst finish before the next. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 3000));

const began = new Date();
const loadBefore = await loadAverage();
progress('registry, networks, both runtimes');
const peers = await startPeers({ withPortsContainerd: false });
try {
  await peers.pull();
  const pair = { berth: peers.berth, ctrdClient: peers.containerd.client, ctrd: peers.containerd.peer, busybox: peers.busybox, logDir: peers.logDir, work: peers.work };
  const runtimes = [
    { name: 'berth', client: pair.berth.client, pid: pair.berth.proc.pid ?? 0, daemon: 'berthd' },
    { name: 'containerd', client: pair.ctrdClient, pid: pair.ctrd.proc.pid ?? 0, daemon: 'containerd' },
  ];
  // Warm-up: one small burst each (first-use costs: bridge creation, image snapshots, code paths).
  for (const r of runtimes) await burst(r.client, `${r.name}-warm`, 4, pair.busybox, pair.logDir);
  const results = new Map<string, Burst[]>(); // `${runtime}@${c}`
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of shuffled(CONCURRENCIES)) {
      for (const r of shuffled(runtimes)) {
        await settle();
        progress(`round ${round + 1}/${ROUNDS}, C=${c}, ${r.name}`);
        const b = await burst(r.client, `${r.name}-r${round}-c${c}`, c, pair.busybox, pair.logDir);
        progress(`  start ${f0(b.startWall)} ms, stop+remove ${f0(b.removeWall)} ms`);
        const key = `${r.name}@${c}`;
        results.set(key, [...(results.get(key) ?? []), b]);
      }
    }
  }

  const profiles: { runtime: string; c: number; wall: number; table: CpuTable }[] = [];
  if (PROFILE) {
    for (const c of CONCURRENCIES) {
      for (const r of runtimes) {
        await settle();
        progress(`profile: C=${c}, ${r.name}`);
        const rec = await startRecording(join(pair.work, `perf-${r.name}-${c}.data`));
        const t0 = performance.now();
        const perPod: Timing[] = [];
        const pods: string[] = [];
        await pool(PODS, c, async (i) => {
          const { t, podId } = await startPod(r.client, i, `${r.name}-prof-c${c}`, pair.busybox, pair.logDir);
          perPod.push(t);
          pods.push(podId);
        });
        const wall = performance.now() - t0;
        await stopRecording(rec);
        const table = await attribute(rec.file, { daemon: { pid: r.pid, name: r.daemon }, client: process.pid });
        profiles.push({ runtime: r.name, c, wall, table });
        await pool(pods.length, c, (i) => removePod(r.client, pods[i] as string));
      }
    }
  }

  if (process.env.BENCH_BERTH_LOG) await writeFile(process.env.BENCH_BERTH_LOG, pair.berth.logs());
  await peers.close();

  const out: string[] = [
    `${PODS} pods, each RunPodSandbox + CreateContainer + StartContainer of a busybox \`sleep\` (private PID namespace, Unconfined seccomp), at most C in flight; then StopPodSandbox + RemovePodSandbox of all, at most C in flight. ${ROUNDS} rounds; per round and C, Berth and containerd in random order.`,
    `began ${began.toISOString()}, ended ${new Date().toISOString()}; load average before ${loadBefore}, after ${await loadAverage()}`,
    '',
    '| C | runtime | start wall, median of rounds (s) | rounds (s) | per-pod p50 (ms) | p90 | p99 | max | stop+remove wall, median (s) |',
    '|---:|---|---:|---|---:|---:|---:|---:|---:|',
  ];
  const ratios: string[] = [];
  for (const c of CONCURRENCIES) {
    const row = (name: string): { wall: number; remove: number } => {
      const bs = results.get(`${name}@${c}`) ?? [];
      const walls = bs.map((b) => b.startWall / 1000);
      const lat = bs.flatMap((b) => b.perPod.map((t) => t.total));
      const remove = median(bs.map((b) => b.removeWall / 1000));
      out.push(`| ${c} | ${name} | ${f2(median(walls))} | ${walls.map(f2).join(', ')} | ${f0(pct(lat, 50))} | ${f0(pct(lat, 90))} | ${f0(pct(lat, 99))} | ${f0(Math.max(...lat))} | ${f2(remove)} |`);
      return { wall: median(walls), remove };
    };
    const b = row('berth');
    const k = row('containerd');
    // Per round: each berth burst against the containerd burst of the same round (they ran back to back).
    const perRound = (results.get(`berth@${c}`) ?? []).map((bb, i) => bb.startWall / (results.get(`containerd@${c}`)?.[i]?.startWall ?? NaN));
    ratios.push(`C=${c}: start wall berth/containerd ${f2(b.wall / k.wall)} (per round ${perRound.map(f2).join(', ')}); stop+remove ${f2(b.remove / k.remove)}`);
  }
  out.push('', ...ratios);
  for (const p of profiles) {
    out.push('', `CPU during one profiled start burst: ${p.runtime}, C=${p.c}, ${f2(p.wall / 1000)} s wall (perf record -a -e cpu-clock -F 999):`, '', ...renderTable(p.table));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  await writeFile(join(process.cwd(), 'bench', 'last-pod-parallel.md'), `${out.join('\n')}\n`);
} finally {
  await peers.close();
}
