// Cold pull of a ~200 MB, 5-layer image (many small files and a few large
// ones) from the local registry: berthd and containerd 1.6 (CRI plugin, the
// registry as its mirror), the same client, alternating, 5 repetitions each,
// each on a fresh root; p50 and the ratio.
// Run as root: node scripts/build.mjs && node --import tsx bench/image-pull.ts [reps]
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PullImage, RemoveImage } from '../src/api/methods.js';
import { CriClient } from '../src/client/cri-client.js';
import { startContainerd } from '../test/support/containerd.js';
import { makeTestDir, startDaemon } from '../test/support/daemon.js';
import { buildImage } from '../test/support/images/build.js';
import { pushImage } from '../test/support/registry/push.js';
import { startRegistry } from '../test/support/registry/registry.js';

const REPS = Number(process.argv[2] ?? 5);

/** Half random, half repetitive: compresses about 2:1 like typical binaries. */
function content(size: number): Buffer {
  const b = Buffer.alloc(size);
  randomBytes(size >> 1).copy(b);
  for (let i = size >> 1; i < size; i++) b[i] = i % 251;
  return b;
}

async function tree(dir: string, files: number, size: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `d${i % 100}`);
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, `f${i}`), content(size));
  }
  return dir;
}

const work = await makeTestDir('bench-pull-');
const reg = await startRegistry({ auth: 'none' });
try {
  const layers = [
    await tree(join(work, 'small1'), 10_000, 2_000),
    await tree(join(work, 'small2'), 5_000, 8_000),
    await tree(join(work, 'big1'), 1, 60_000_000),
    await tree(join(work, 'big2'), 2, 30_000_000),
    await tree(join(work, 'big3'), 4, 10_000_000),
  ];
  const img = await buildImage(
    { repo: 'bench-pull', layers: layers.map((dir, i) => ({ source: { dir }, cacheKey: `bench-pull-${i}-v1` })) },
    join(work, 'store'),
  );
  await pushImage(reg.url, 'bench-pull', 'v1', img);
  const compressed = img.layers.reduce((n, l) => n + l.size, 0);
  const uncompressed = img.layers.reduce((n, l) => n + l.uncompressedSize, 0);
  const ref = `${reg.host}/bench-pull:v1`;
  const berth: number[] = [];
  const ctrd: number[] = [];
  const timed = async (f: () => Promise<unknown>): Promise<number> => {
    const t = process.hrtime.bigint();
    await f();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (let r = 0; r < REPS; r++) {
    const d = await startDaemon({ logLevel: 'info' });
    try {
      berth.push(await timed(() => d.client.call(PullImage, { image: { image: ref } })));
    } finally {
      await d.cleanup();
    }
    const c = await startContainerd({ mirrors: { [reg.host]: `http://${reg.host}` } });
    const client = new CriClient(c.endpoint, 600_000);
    try {
      ctrd.push(await timed(() => client.call(PullImage, { image: { image: ref } })));
    } finally {
      client.close();
      await c.stop();
    }
  }
  const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const secs = (xs: number[]): string => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
  process.stdout.write(`image: ${img.layers.length} layers, ${(compressed / 1e6).toFixed(1)} MB compressed, ${(uncompressed / 1e6).toFixed(1)} MB uncompressed; root on ${work}\n`);
  process.stdout.write(`| runtime | p50 (s) | runs (s) |\n|---|---:|---|\n`);
  process.stdout.write(`| berth | ${(p50(berth) / 1000).toFixed(2)} | ${secs(berth)} |\n`);
  process.stdout.write(`| containerd 1.6 | ${(p50(ctrd) / 1000).toFixed(2)} | ${secs(ctrd)} |\n`);
  process.stdout.write(`ratio berth/containerd p50: ${(p50(berth) / p50(ctrd)).toFixed(2)}\n`);
} finally {
  await reg.stop();
  await rm(work, { recursive: true, force: true });
}
