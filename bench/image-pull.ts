// Cold-pull throughput: one 5-layer gzip image of ~190 MB (bench/pull-image-
// content.ts says what is in it) pulled from a local registry by berthd and by
// containerd 1.6 (CRI plugin, the registry as its mirror) through the same
// CRI client. Each pull runs on a fresh daemon with a fresh, empty root; the
// two runtimes alternate in a random order per iteration. Reported: MB/s of
// compressed bytes (the image's layer blobs over the PullImage call's wall
// time), p50 and every run, and the ratio.
//
// Where the roots live (--fs):
//  tmpfs (default)  a private tmpfs mounted for the run holds both runtimes'
//                   roots and the registry's storage: no run waits on the
//                   disk writeback of an earlier run's files or deletes
//                   (ext4 here is erratic right after bulk deletes).
//  disk             roots under /var/tmp (ext4); `sync` after each run's
//                   removal and before the next pull, so each pull starts
//                   with nothing dirty in the page cache.
//
// Run as root: node scripts/build.mjs && node --import tsx bench/image-pull.ts [reps] [--fs tmpfs|disk]
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PullImage } from '../src/api/methods.js';
import { CriClient } from '../src/client/cri-client.js';
import { startContainerd } from '../test/support/containerd.js';
import { startDaemon } from '../test/support/daemon.js';
import { buildImage } from '../test/support/images/build.js';
import { pushImage } from '../test/support/registry/push.js';
import { startRegistry } from '../test/support/registry/registry.js';
import { CONTENT_VERSION, PULL_IMAGE_LAYERS, writeLayerTree } from './pull-image-content.js';

const args = process.argv.slice(2);
const fsFlag = args.indexOf('--fs');
const FS = fsFlag >= 0 ? args[fsFlag + 1] : 'tmpfs';
if (FS !== 'tmpfs' && FS !== 'disk') throw new Error(`--fs must be tmpfs or disk, not ${FS}`);
const REPS = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--fs') ?? 7);
/** Built blobs are kept between runs: compressing 470 MB at gzip -6 takes a while. */
const IMAGE_STORE = '/var/tmp/berth-bench-images';

const base = await mkdtemp(join(FS === 'tmpfs' ? '/tmp' : '/var/tmp', 'berth-bench-pull-'));
if (FS === 'tmpfs') execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6g,mode=0755', 'berth-bench-pull', base]);
// Daemon roots, containerd's root and the registry's storage all go under makeTestDir / os.tmpdir().
process.env.TMPDIR = base;

const sync = (): void => void execFileSync('sync');

try {
  const trees = join(base, 'trees');
  const layers: { dir: string; files: number }[] = [];
  for (let i = 0; i < PULL_IMAGE_LAYERS.length; i++) {
    const dir = join(trees, PULL_IMAGE_LAYERS[i]?.name ?? String(i));
    await mkdir(dir, { recursive: true });
    const { files } = await writeLayerTree(dir, i);
    layers.push({ dir, files });
  }
  const img = await buildImage(
    {
      repo: 'bench-pull',
      layers: layers.map(({ dir }, i) => ({ source: { dir }, cacheKey: `${CONTENT_VERSION}-${i}`, createdBy: PULL_IMAGE_LAYERS[i]?.name ?? '' })),
    },
    IMAGE_STORE,
  );
  await rm(trees, { recursive: true, force: true });
  const reg = await startRegistry({ auth: 'none' });
  try {
    await pushImage(reg.url, 'bench-pull', 'v1', img);
    const compressed = img.layers.reduce((n, l) => n + l.size, 0);
    const uncompressed = img.layers.reduce((n, l) => n + l.uncompressedSize, 0);
    const ref = `${reg.host}/bench-pull:v1`;
    const runs: Record<'berth' | 'containerd', number[]> = { berth: [], containerd: [] };
    const order: string[] = [];

    const timed = async (f: () => Promise<unknown>): Promise<number> => {
      if (FS === 'disk') sync();
      const t = process.hrtime.bigint();
      await f();
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    const pullBerth = async (): Promise<number> => {
      const d = await startDaemon({ logLevel: 'info' });
      try {
        return await timed(() => d.client.call(PullImage, { image: { image: ref } }));
      } finally {
        await d.cleanup();
      }
    };
    const pullContainerd = async (): Promise<number> => {
      const c = await startContainerd({ mirrors: { [reg.host]: `http://${reg.host}` } });
      const client = new CriClient(c.endpoint, 600_000);
      try {
        return await timed(() => client.call(PullImage, { image: { image: ref } }));
      } finally {
        client.close();
        await c.stop();
      }
    };

    const load = loadavg()[0] ?? 0;
    const started = new Date().toISOString();
    for (let r = 0; r < REPS; r++) {
      const first = Math.random() < 0.5 ? 'berth' : 'containerd';
      for (const who of first === 'berth' ? (['berth', 'containerd'] as const) : (['containerd', 'berth'] as const)) {
        runs[who].push(who === 'berth' ? await pullBerth() : await pullContainerd());
        order.push(who[0] as string);
      }
    }

    const mbps = (ms: number): number => compressed / 1e6 / (ms / 1000);
    const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const row = (name: string, xs: number[]): string =>
      `| ${name} | ${mbps(p50(xs)).toFixed(1)} | ${(p50(xs) / 1000).toFixed(2)} | ${xs.map((x) => mbps(x).toFixed(0)).join(', ')} |`;
    const files = layers.reduce((n, l) => n + l.files, 0);
    const out = [
      `date: ${started} to ${new Date().toISOString()}; load average at start ${load.toFixed(2)}, at end ${(loadavg()[0] ?? 0).toFixed(2)}; roots on ${FS} (${base})`,
      `image: ${img.layers.length} layers (${PULL_IMAGE_LAYERS.map((l) => l.name).join(', ')}), ${files} files, ` +
        `${(compressed / 1e6).toFixed(1)} MB compressed (${img.layers.map((l) => (l.size / 1e6).toFixed(1)).join(' + ')}), ` +
        `${(uncompressed / 1e6).toFixed(1)} MB uncompressed (ratio ${(uncompressed / compressed).toFixed(2)}:1)`,
      `order (b = berth, c = containerd): ${order.join('')}`,
      '',
      '| runtime | p50 MB/s | p50 s | runs (MB/s, in order) |',
      '|---|---:|---:|---|',
      row('berth', runs.berth),
      row('containerd 1.6', runs.containerd),
      '',
      `ratio berth/containerd, p50 throughput: ${(mbps(p50(runs.berth)) / mbps(p50(runs.containerd))).toFixed(2)}x`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await reg.stop();
  }
} finally {
  if (FS === 'tmpfs') execFileSync('umount', [base]);
  await rm(base, { recursive: true, force: true });
}
