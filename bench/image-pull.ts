// Cold pull of a ~200 MB, 5-layer image (many small files and a few large
// ones) from the local registry into berthd; 5 repetitions, p50. The
// containerd comparison lives with the containerd benchmark.
// Run as root: node scripts/build.mjs && node --import tsx bench/image-pull.ts
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PullImage, RemoveImage } from '../src/api/methods.js';
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
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const d = await startDaemon();
    try {
      const t = process.hrtime.bigint();
      await d.client.call(PullImage, { image: { image: `${reg.host}/bench-pull:v1` } });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      await d.client.call(RemoveImage, { image: { image: `${reg.host}/bench-pull:v1` } });
    } finally {
      await d.cleanup();
    }
  }
  times.sort((a, b) => a - b);
  const p50 = times[Math.floor(times.length / 2)] ?? NaN;
  process.stdout.write(`image: ${img.layers.length} layers, ${(compressed / 1e6).toFixed(1)} MB compressed, ${(uncompressed / 1e6).toFixed(1)} MB uncompressed\n`);
  process.stdout.write(`berth cold pull: p50 ${(p50 / 1000).toFixed(2)} s (runs: ${times.map((x) => (x / 1000).toFixed(2)).join(', ')} s)\n`);
} finally {
  await reg.stop();
  await rm(work, { recursive: true, force: true });
}
