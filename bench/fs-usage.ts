// Writable-layer usage: async Node walk vs. GNU du, on a tree of N files
// (nested dirs, a hard link). src/stats/fs-usage.ts uses du (the winner). Run: node --import tsx bench/fs-usage.ts [N] [dir]
import { link, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duDiskUsage } from '../src/stats/du.js';
import type { DiskUsage } from '../src/stats/fs-usage.js';
import { errnoCode } from '../src/util/errors.js';

// The alternative that lost: an async lstat walk (kept here to re-measure).
/**
 * Walks `root` asynchronously with at most `concurrency` fs calls in flight.
 * Entries that vanish during the walk (the container is writing) are skipped.
 */
async function walkDiskUsage(root: string, concurrency = 32): Promise<DiskUsage> {
  const top = await lstat(root, { bigint: true });
  const linked = new Set<bigint>();
  let bytes = 0n;
  let inodes = 0n;
  const pending: string[] = [root];
  const visit = async (path: string): Promise<void> => {
    let st;
    try {
      st = path === root ? top : await lstat(path, { bigint: true });
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      throw e;
    }
    if (st.dev !== top.dev) return; // a mount inside: not the layer's bytes
    if (st.nlink > 1n && !st.isDirectory()) {
      if (linked.has(st.ino)) return;
      linked.add(st.ino);
    }
    inodes += 1n;
    bytes += st.blocks * 512n;
    if (!st.isDirectory()) return;
    try {
      for (const name of await readdir(path)) pending.push(join(path, name));
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT' && errnoCode(e) !== 'ENOTDIR') throw e;
    }
  };
  // Workers pull from one queue so a single flat directory is still stat'ed in parallel.
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const pump = (): void => {
      while (!failed && active < concurrency && pending.length > 0) {
        const p = pending.pop() as string;
        active++;
        visit(p).then(
          () => {
            active--;
            if (pending.length === 0 && active === 0) resolve();
            else pump();
          },
          (e: unknown) => {
            failed = true;
            reject(e);
          },
        );
      }
    };
    pump();
  });
  return { bytes, inodes };
}

const n = Number(process.argv[2] ?? 10_000);
const base = await mkdtemp(join(process.argv[3] ?? tmpdir(), 'berth-fsbench-'));
const tree = join(base, 'upper');
for (let d = 0; d < n / 100; d++) {
  const dir = join(tree, `d${d % 10}`, `e${d}`);
  await mkdir(dir, { recursive: true });
  await Promise.all(Array.from({ length: 100 }, (_, i) => writeFile(join(dir, `f${i}`), 'x'.repeat((i * 37) % 5000))));
}
await link(join(tree, 'd0', 'e0', 'f1'), join(tree, 'hard'));

async function time(name: string, f: () => Promise<unknown>, runs = 15): Promise<void> {
  await f(); // warm the dentry cache: the kubelet polls a warm tree
  const ms: number[] = [];
  let last: unknown;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    last = await f();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  console.log(`${name.padEnd(14)} p50 ${ms[Math.floor(runs / 2)]?.toFixed(1)} ms  min ${ms[0]?.toFixed(1)} ms  result ${String(JSON.stringify(last, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))}`);
}

/** Event-loop busy time while `f` runs: what a walk costs the daemon's other requests. */
async function loopCost(name: string, f: () => Promise<unknown>): Promise<void> {
  const before = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  await f();
  const u = performance.eventLoopUtilization(before);
  const cpu = process.cpuUsage(cpu0);
  console.log(`${name.padEnd(14)} loop active ${u.active.toFixed(1)} ms, berthd cpu ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms`);
}

console.log(`${n} files under ${base}`);
for (const c of [8, 32, 64]) await time(`walk c=${c}`, () => walkDiskUsage(tree, c));
await time('du x2', () => duDiskUsage(tree));
await loopCost('walk c=32', () => walkDiskUsage(tree, 32));
await loopCost('du x2', () => duDiskUsage(tree));
await rm(base, { recursive: true, force: true });
