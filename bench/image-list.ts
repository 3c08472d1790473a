// ListImages and ImageStatus latency with 200 images, as a client sees it
// (typed client over the unix socket). Target (issue 3): p99 ≤ 1 ms.
// Run as root: node scripts/build.mjs && node --import tsx bench/image-list.ts [images] [calls]
//
// The set-up (200 images built and pushed, the registry) happens in this
// process; the timing runs in a fresh child process that does nothing but the
// calls, so the set-up's garbage and the registry are not in the samples.
// berthd runs as installed (its shebang's node flags) at the production log
// level.
import { fork } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { ImageStatus, ListImages, PullImage, Version } from '../src/api/methods.js';
import { CriClient } from '../src/client/cri-client.js';
import { startDaemon } from '../test/support/daemon.js';
import { buildImage } from '../test/support/images/build.js';
import { pushImage } from '../test/support/registry/push.js';
import { startRegistry } from '../test/support/registry/registry.js';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function measure(endpoint: string, refs: string[], calls: number): Promise<void> {
  // Client-side GC pauses, to tell the client's tail from the server's.
  let clientGcMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) clientGcMs += e.duration;
  }).observe({ entryTypes: ['gc'] });
  const c = new CriClient(endpoint, 30_000);
  const time = async (fn: (i: number) => Promise<unknown>): Promise<number[]> => {
    const out: number[] = [];
    let withGc = 0;
    for (let i = 0; i < calls; i++) {
      const gcBefore = clientGcMs;
      const t = process.hrtime.bigint();
      await fn(i);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      out.push(ms);
      if (clientGcMs !== gcBefore && ms > 1) withGc++;
    }
    if (process.env.BENCH_VERBOSE) process.stderr.write(`calls over 1 ms: ${out.filter((x) => x > 1).length}, of which with a client GC inside: ${withGc}\n`);
    return out;
  };
  // Warm-up (JIT on both sides).
  for (let i = 0; i < 500; i++) {
    await c.call(ListImages, {});
    await c.call(ImageStatus, { image: { image: refs[i % refs.length] as string }, verbose: false });
    await c.call(Version, {});
  }
  const v = await time(() => c.call(Version, {}));
  const s = await time((i) => c.call(ImageStatus, { image: { image: refs[i % refs.length] as string }, verbose: false }));
  const l = await time(() => c.call(ListImages, {}));
  c.close();
  const row = (name: string, xs: number[]): string => `| ${name} | ${pct(xs, 50).toFixed(3)} | ${pct(xs, 99).toFixed(3)} | ${Math.max(...xs).toFixed(3)} |`;
  process.stdout.write(
    `| RPC (${refs.length} images, ${calls} calls) | p50 [ms] | p99 [ms] | max [ms] |\n|:---|---:|---:|---:|\n${row('ListImages', l)}\n${row('ImageStatus', s)}\n${row('Version (baseline: transport only)', v)}\n`,
  );
}

if (process.argv[2] === '--measure') {
  const { endpoint, refs, calls } = JSON.parse(process.env.BENCH_JOB ?? '{}') as { endpoint: string; refs: string[]; calls: number };
  await measure(endpoint, refs, calls);
} else {
  const N = Number(process.argv[2] ?? 200);
  const CALLS = Number(process.argv[3] ?? 2000);
  const reg = await startRegistry({ auth: 'none' });
  const d = await startDaemon({ logLevel: 'info' });
  try {
    const refs: string[] = [];
    try {
      for (let i = 0; i < N; i++) {
        const img = await buildImage({ repo: `bench${i}`, layers: [{ source: { entries: [{ type: 'file', path: `f${i}`, content: `${i}\n` }] } }], config: { User: String(1000 + i) } });
        await pushImage(reg.url, `bench${i}`, 'v1', img);
        refs.push(`${reg.host}/bench${i}:v1`);
      }
      for (const r of refs) await d.client.call(PullImage, { image: { image: r } });
    } finally {
      await reg.stop();
    }
    const list = await d.client.call(ListImages, {});
    if (list.images.length !== N) throw new Error(`expected ${N} images, got ${list.images.length}`);
    // The measuring client decodes 200 images per ListImages call; a large young generation keeps
    // its own scavenges (not the runtime's time) out of the samples. The kubelet's client is Go.
    const child = fork(new URL(import.meta.url).pathname, ['--measure'], { execArgv: [...process.execArgv, '--max-semi-space-size=64'], env: { ...process.env, BENCH_JOB: JSON.stringify({ endpoint: d.endpoint, refs, calls: CALLS }) } });
    await new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`measuring client exited with ${code}`)))));
  } finally {
    await d.cleanup();
  }
}
