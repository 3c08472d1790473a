// berthd's start-up: from exec to the first answered Version call on its
// socket, for each Node binary given (the same dist/berthd.js and shebang
// flags), interleaved in random order per iteration. berthd starts each time
// on the same private root/state (empty: no pods, no images) and is stopped
// with SIGTERM before the next start.
// Run as root: node scripts/build.mjs && node --import tsx bench/daemon-startup.ts [iterations] [node binaries…]
//   default binaries: /usr/bin/node (Debian's Node 20) and `node` on the PATH (Node 26).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Version } from '../src/api/methods.js';
import { CriClient } from '../src/client/cri-client.js';
import { BERTHD, makeTestDir, shebangFlags, unmountUnder } from '../test/support/daemon.js';
import { percentile } from '../test/support/churn.js';

const N = Number(process.argv[2] ?? 100);
const NODES = process.argv.length > 3 ? process.argv.slice(3) : ['/usr/bin/node', 'node'];

/** Milliseconds from spawn to an answered Version call, polling the socket every millisecond. */
async function startOnce(node: string, dir: string): Promise<number> {
  const socket = join(dir, 'berth.sock');
  const args = [...shebangFlags(), BERTHD, '--config', join(dir, 'berth.toml'), '--root', join(dir, 'root'), '--state', join(dir, 'state'), '--listen', `unix://${socket}`];
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS; // adds ~47 ms to every node start (STACK.md)
  const t0 = process.hrtime.bigint();
  const proc = spawn(node, args, { stdio: ['ignore', 'ignore', 'ignore'], env });
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  let ms = NaN;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`berthd under ${node} exited with ${proc.exitCode}`);
    if (existsSync(socket)) {
      const c = new CriClient(`unix://${socket}`, 1000);
      try {
        await c.call(Version, { version: 'v1' });
        ms = Number(process.hrtime.bigint() - t0) / 1e6;
        break;
      } catch {
        // bound but not answering yet
      } finally {
        c.close();
      }
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  proc.kill('SIGTERM');
  await exited;
  return ms;
}

async function main(): Promise<void> {
  const dirs = new Map<string, string>();
  for (const node of NODES) {
    const dir = await makeTestDir('berth-bench-start-');
    await mkdir(join(dir, 'cni'), { recursive: true });
    await writeFile(join(dir, 'berth.toml'), `[network]\nconf_dir = "${join(dir, 'cni')}"\n`);
    dirs.set(node, dir);
    await startOnce(node, dir); // first start creates the directories and the default network
  }
  const samples = new Map<string, number[]>(NODES.map((n) => [n, []]));
  for (let i = 0; i < N; i++) {
    const order = [...NODES].sort(() => Math.random() - 0.5);
    for (const node of order) samples.get(node)?.push(await startOnce(node, dirs.get(node) ?? ''));
  }
  console.log(`berthd start-up (exec → Version answered), ${N} starts each, interleaved; ${new Date().toISOString()}`);
  console.log('| node | p50 ms | p90 ms | p99 ms | max ms |');
  console.log('|:---|---:|---:|---:|---:|');
  for (const node of NODES) {
    const xs = samples.get(node) ?? [];
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    const f = (p: number): string => percentile(xs, p).toFixed(1);
    console.log(`| ${node} (${version}) | ${f(50)} | ${f(90)} | ${f(99)} | ${Math.max(...xs).toFixed(1)} |`);
  }
  for (const dir of dirs.values()) {
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
