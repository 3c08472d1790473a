// One pod at a time, per pod shape (bench/support/pod-cycle.ts SHAPES), Berth
// against containerd 1.6: RunPodSandbox + CreateContainer + StartContainer of
// a busybox `sleep` (image present), then StopPodSandbox + RemovePodSandbox
// with the container still running. Two clients: Berth's own (TypeScript) for
// every shape, Debian's python3-grpcio for the default and hostNetwork
// shapes. Every iteration runs each (shape, runtime, client) once, in an
// order shuffled per iteration from a printed seed, so load falls on all rows
// alike; warm-ups are dropped. Raw samples go to bench/last-pod-shapes.json.
// Run as root: node scripts/build.mjs && node --import tsx bench/pod-shapes.ts [iterations] [warm-ups]
//   BENCH_SEED=n replays an order; BENCH_BERTH_LOG=file keeps berthd's log (per-step timings).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CriClient } from '../src/client/cri-client.js';
// The fuzz tests' seeded generator (mulberry32): a run's order replays from the seed it prints.
import { prng } from '../test/support/fuzz/generate.js';
import { ctrConfig, dist, loadAverage, ms, podConfig, shuffled, SHAPES, startPod, stopPod, type Dist, type Shape, type StartTiming, type StopTiming } from './support/pod-cycle.js';
import { progress, startPeers } from './support/peers.js';
import { PythonPodClient } from './support/python-client.js';

const N = Number(process.argv[2] ?? 100);
const WARMUP = Number(process.argv[3] ?? 5);
const SEED = Number(process.env.BENCH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PY_SHAPES: readonly Shape[] = ['default', 'hostNetwork'];
const TARGETS = { startP50: 0.5, startP99: 0.6, stopP50: 0.5 };

type Runtime = 'berth' | 'containerd';
type Client = 'ts' | 'python';
interface Row {
  shape: Shape;
  runtime: Runtime;
  client: Client;
}
const key = (r: Row): string => `${r.shape}/${r.runtime}/${r.client}`;

const rows: Row[] = [];
for (const shape of SHAPES) {
  for (const client of ['ts', 'python'] as const) {
    if (client === 'python' && !PY_SHAPES.includes(shape)) continue;
    for (const runtime of ['berth', 'containerd'] as const) rows.push({ shape, runtime, client });
  }
}

// A timeout's SIGTERM (or ^C) ends the series early: the report then says how many iterations it has.
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => (interrupted = true));

progress(`registry, networks, both runtimes (seed ${SEED})`);
const peers = await startPeers({ withPortsContainerd: true });
let py: PythonPodClient | undefined;
try {
  await peers.pull();
  const ctrdFor = (shape: Shape): CriClient => (shape === 'hostPort' ? peers.containerdPorts! : peers.containerd).client;
  py = await PythonPodClient.start({ berth: peers.berth.socket, containerd: peers.containerd.peer.socket });
  const samples = new Map<string, { start: StartTiming[]; stop: StopTiming[] }>(rows.map((r) => [key(r), { start: [], stop: [] }]));
  const rand = prng(SEED);
  const loadBefore = loadAverage(await readFile('/proc/loadavg', 'utf8'));
  const began = new Date();
  progress(`series: ${WARMUP} warm-ups + ${N} iterations of ${rows.length} pods`);
  let done = 0;
  for (let i = 0; i < WARMUP + N && !interrupted; i++) {
    for (const r of shuffled(rows, rand)) {
      // Distinct host ports per row: a pod left behind by a failure cannot block the next one's.
      const spec = { shape: r.shape, name: `${r.shape.toLowerCase()}-${r.runtime}-${r.client}-${i}`, logDir: peers.logDir, hostPort: 18000 + rows.indexOf(r) };
      const config = podConfig(spec);
      let t: { start: StartTiming; stop: StopTiming };
      if (r.client === 'python') {
        t = await py.cycle(r.runtime, config, ctrConfig(peers.busybox));
      } else {
        const c = r.runtime === 'berth' ? peers.berth.client : ctrdFor(r.shape);
        const started = await startPod(c, config, peers.busybox);
        t = { start: started.t, stop: await stopPod(c, started.podId) };
      }
      if (i >= WARMUP) {
        const s = samples.get(key(r))!;
        s.start.push(t.start);
        s.stop.push(t.stop);
      }
    }
    if (i >= WARMUP) done++;
    if ((i + 1) % 20 === 0) progress(`iteration ${i + 1}/${WARMUP + N}`);
  }
  if (interrupted) progress(`interrupted after ${done} measured iterations`);
  const ended = new Date();
  const loadAfter = loadAverage(await readFile('/proc/loadavg', 'utf8'));
  if (process.env.BENCH_BERTH_LOG) await writeFile(process.env.BENCH_BERTH_LOG, peers.berth.logs());
  await writeFile(join(process.cwd(), 'bench', 'last-pod-shapes.json'), JSON.stringify({ seed: SEED, iterations: done, warmups: WARMUP, began, ended, loadBefore, loadAfter, samples: Object.fromEntries(samples) }));
  process.stdout.write(`${report(samples, done, { began, ended, loadBefore, loadAfter })}\n`);
} finally {
  py?.close();
  await peers.close();
}

function report(samples: Map<string, { start: StartTiming[]; stop: StopTiming[] }>, done: number, when: { began: Date; ended: Date; loadBefore: string; loadAfter: string }): string {
  const d = (r: Row, f: (s: { start: StartTiming[]; stop: StopTiming[] }) => number[]): Dist => dist(f(samples.get(key(r))!));
  const four = (x: Dist): string => `${ms(x.p50)} | ${ms(x.p90)} | ${ms(x.p99)} | ${ms(x.max)}`;
  const p50 = (r: Row, f: (s: { start: StartTiming[]; stop: StopTiming[] }) => number[]): string => ms(d(r, f).p50);
  const lines = [
    `${when.began.toISOString()} – ${when.ended.toISOString()}; seed ${SEED}; ${done} iterations after ${WARMUP} warm-ups, every row once per iteration in shuffled order; load average ${when.loadBefore} before, ${when.loadAfter} after. ms.`,
    '',
    '| shape | runtime | client | start p50 | p90 | p99 | max | stop+remove p50 | p90 | p99 | max | Run / Create / Start p50 | Stop / Remove p50 |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const r of rows) {
    const start = d(r, (s) => s.start.map((t) => t.total));
    const stop = d(r, (s) => s.stop.map((t) => t.total));
    const steps = `${p50(r, (s) => s.start.map((t) => t.run))} / ${p50(r, (s) => s.start.map((t) => t.create))} / ${p50(r, (s) => s.start.map((t) => t.start))}`;
    const stopSteps = `${p50(r, (s) => s.stop.map((t) => t.stop))} / ${p50(r, (s) => s.stop.map((t) => t.remove))}`;
    lines.push(`| ${r.shape} | ${r.runtime === 'berth' ? 'berth' : 'containerd 1.6'} | ${r.client === 'ts' ? 'berth client' : 'python3-grpcio'} | ${four(start)} | ${four(stop)} | ${steps} | ${stopSteps} |`);
  }
  lines.push('', '| shape | client | start p50 ratio (≤ 0.5) | start p99 ratio (≤ 0.6) | stop+remove p50 ratio (≤ 0.5) |', '|---|---|---:|---:|---:|');
  const mark = (x: number, target: number): string => `${x.toFixed(2)} ${x <= target ? 'met' : '**missed**'}`;
  for (const r of rows) {
    if (r.runtime !== 'berth') continue;
    const c = { ...r, runtime: 'containerd' as const };
    const s = (row: Row): Dist => d(row, (x) => x.start.map((t) => t.total));
    const st = (row: Row): Dist => d(row, (x) => x.stop.map((t) => t.total));
    lines.push(
      `| ${r.shape} | ${r.client === 'ts' ? 'berth client' : 'python3-grpcio'} | ${mark(s(r).p50 / s(c).p50, TARGETS.startP50)} | ${mark(s(r).p99 / s(c).p99, TARGETS.startP99)} | ${mark(st(r).p50 / st(c).p50, TARGETS.stopP50)} |`,
    );
  }
  return lines.join('\n');
}
