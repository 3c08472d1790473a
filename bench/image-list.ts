// ListImages and ImageStatus latency with 200 images, as a client sees it
// (typed client over the unix socket). Target (issue 3): p99 ≤ 1 ms.
// Run as root: node scripts/build.mjs && node --import tsx bench/image-list.ts [images] [calls]
import { ImageStatus, ListImages, PullImage, Version } from '../src/api/methods.js';
import { startDaemon } from '../test/support/daemon.js';
import { buildImage } from '../test/support/images/build.js';
import { pushImage } from '../test/support/registry/push.js';
import { startRegistry } from '../test/support/registry/registry.js';

const N = Number(process.argv[2] ?? 200);
const CALLS = Number(process.argv[3] ?? 2000);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function time(calls: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

const reg = await startRegistry({ auth: 'none' });
const d = await startDaemon();
try {
  const refs: string[] = [];
  for (let i = 0; i < N; i++) {
    const img = await buildImage({ repo: `bench${i}`, layers: [{ source: { entries: [{ type: 'file', path: `f${i}`, content: `${i}\n` }] } }], config: { User: String(1000 + i) } });
    await pushImage(reg.url, `bench${i}`, 'v1', img);
    refs.push(`${reg.host}/bench${i}:v1`);
  }
  for (const r of refs) await d.client.call(PullImage, { image: { image: r } });
  const list = await d.client.call(ListImages, {});
  if (list.images.length !== N) throw new Error(`expected ${N} images, got ${list.images.length}`);
  // Warm-up (JIT on both sides), then a collection so earlier set-up garbage does not land in the samples.
  for (let i = 0; i < 500; i++) {
    await d.client.call(ListImages, {});
    await d.client.call(ImageStatus, { image: { image: refs[i % N] as string }, verbose: false });
    await d.client.call(Version, {});
  }
  (globalThis as { gc?: () => void }).gc?.();
  const v = await time(CALLS, () => d.client.call(Version, {}));
  const s = await time(CALLS, (i) => d.client.call(ImageStatus, { image: { image: refs[i % N] as string }, verbose: false }));
  const l = await time(CALLS, () => d.client.call(ListImages, {}));
  const row = (name: string, xs: number[]): string => `| ${name} | ${pct(xs, 50).toFixed(3)} | ${pct(xs, 99).toFixed(3)} | ${Math.max(...xs).toFixed(3)} |`;
  process.stdout.write(`| RPC (${N} images, ${CALLS} calls) | p50 [ms] | p99 [ms] | max [ms] |\n|:---|---:|---:|---:|\n${row('ListImages', l)}\n${row('ImageStatus', s)}\n${row('Version (baseline: transport only)', v)}\n`);
} finally {
  await d.cleanup();
  await reg.stop();
}
