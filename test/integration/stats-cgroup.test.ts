// Stats on the real kernel (root): a cgroup v1 container cgroup with a busy
// process in it, read twice through the stats RPC handlers; and a pod-like
// network namespace with a veth whose counters move when bytes cross it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { access, mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import type { CallContext } from '../../src/api/server.js';
import { statsHandlers } from '../../src/cri/stats-service.js';
import type { StatsContainer, StatsSource } from '../../src/cri/stats-source.js';
import { CgroupReader, detectCgroupVersion } from '../../src/cgroups/reader.js';
import { StatsCollector } from '../../src/stats/collector.js';
import { readNetDevInNetns } from '../../src/stats/net-stats.js';

const sh = promisify(execFile);
const ROOT = '/sys/fs/cgroup';
const CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids'];
const ctx = { signal: new AbortController().signal, method: 'ContainerStats' } as CallContext;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

test('cgroup v1: a busy process is seen in cpu (growing, nano-cores > 0), memory and pids', async (t) => {
  if ((await detectCgroupVersion(ROOT)) !== 1) {
    t.skip('this host is cgroup v2 (the v2 reader is unit-tested on fixtures)');
    return;
  }
  const tag = `berth-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const rel = `/${tag}/c1`;
  const dirs = CONTROLLERS.map((c) => join(ROOT, c, tag));
  // Waits for a line, then execs the loop: its new memory is charged to the cgroup it was moved into.
  // It holds 8 MB in a shell variable first: small counts sit in per-cpu batches that
  // memory.stat (rss) shows only after the kernel's periodic flush.
  const loop = 'x=$(head -c 8000000 /dev/zero | tr "\\0" a); while :; do :; done';
  const busy = spawn('sh', ['-c', `read _; exec sh -c '${loop}'`], { stdio: ['pipe', 'ignore', 'ignore'] });
  const layer = await mkdtemp(join(tmpdir(), 'berth-layer-'));
  t.after(async () => {
    busy.kill('SIGKILL');
    await exited(busy);
    for (const d of dirs) {
      await rmdir(join(d, 'c1')).catch(() => undefined);
      await rmdir(d).catch(() => undefined);
    }
    await rm(layer, { recursive: true, force: true });
  });
  for (const d of dirs) await mkdir(join(d, 'c1'), { recursive: true });
  await writeFile(join(ROOT, 'memory', rel, 'memory.limit_in_bytes'), String(256 << 20));
  for (const c of CONTROLLERS) await writeFile(join(ROOT, c, rel, 'cgroup.procs'), String(busy.pid));
  busy.stdin?.write('go\n');
  await writeFile(join(layer, 'file'), Buffer.alloc(64 * 1024, 1));

  const c: StatsContainer = {
    id: 'c1'.repeat(32),
    podId: 'p1'.repeat(32),
    metadata: { name: 'busy', attempt: 0 },
    labels: {},
    annotations: {},
    state: 'running',
    cgroupPath: rel,
    upperDir: layer,
    layerMountpoint: tmpdir(),
  };
  const source: StatsSource = { containers: () => [c], pods: () => [] };
  const h = statsHandlers(source, new StatsCollector());
  await sleep(200);
  const first = (await h.ContainerStats!({ containerId: c.id }, ctx)).stats;
  await sleep(1200);
  const second = (await h.ContainerStats!({ containerId: c.id }, ctx)).stats;

  const u1 = first?.cpu?.usageCoreNanoSeconds?.value ?? 0n;
  const u2 = second?.cpu?.usageCoreNanoSeconds?.value ?? 0n;
  assert.ok(u2 > u1 && u1 > 0n, `cpu usage grows: ${u1} → ${u2}`);
  const nano = second?.cpu?.usageNanoCores?.value ?? 0n;
  // A busy loop uses about one core; allow for a loaded 2-core machine.
  assert.ok(nano > 100_000_000n && nano < 2_100_000_000n, `nano-cores ${nano}`);
  const mem = second?.memory;
  assert.ok((mem?.usageBytes?.value ?? 0n) > 0n, `memory usage ${String(mem?.usageBytes?.value)}`);
  assert.ok((mem?.workingSetBytes?.value ?? 0n) > 0n, 'working set');
  assert.ok((mem?.usageBytes?.value ?? 0n) > 8_000_000n, `memory usage covers the 8 MB held: ${String(mem?.usageBytes?.value)}`);
  assert.ok((mem?.rssBytes?.value ?? 0n) > 4_000_000n, `rss ${String(mem?.rssBytes?.value)}`);
  assert.ok(mem?.availableBytes && mem.availableBytes.value < BigInt(256 << 20), 'available = limit − working set');
  assert.ok((second?.writableLayer?.usedBytes?.value ?? 0n) >= 64n * 1024n, 'writable layer bytes');
  assert.equal(second?.writableLayer?.inodesUsed?.value, 2n, 'writable layer inodes (dir + file)');

  const raw = await new CgroupReader(ROOT).read(rel);
  assert.ok((raw?.pids?.current ?? 0n) >= 1n, `pids.current ${String(raw?.pids?.current)}`);

  // Kill, empty and remove: nothing of the test cgroup is left.
  busy.kill('SIGKILL');
  await exited(busy);
  for (const d of dirs) {
    await rmdir(join(d, 'c1'));
    await rmdir(d);
  }
  for (const d of dirs) assert.equal(await exists(d), false, `${d} removed`);
  assert.equal(await new CgroupReader(ROOT).read(rel), undefined, 'a removed cgroup reads as absent');
});

test('network counters inside a netns move when bytes cross its veth', async (t) => {
  const tag = Math.random().toString(36).slice(2, 8);
  const ns = `berth-st-${tag}`;
  const host = `bsh${tag}`;
  const peer = `bsp${tag}`;
  const a = 100 + Math.floor(Math.random() * 150);
  const b = Math.floor(Math.random() * 250);
  const hostIp = `10.${a}.${b}.1`;
  const podIp = `10.${a}.${b}.2`;
  t.after(async () => {
    await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
    await sh('ip', ['link', 'del', host]).catch(() => undefined);
  });
  await sh('ip', ['netns', 'add', ns]);
  await sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
  await sh('ip', ['link', 'set', peer, 'netns', ns]);
  await sh('ip', ['-n', ns, 'link', 'set', peer, 'name', 'eth0']);
  await sh('ip', ['-n', ns, 'addr', 'add', `${podIp}/30`, 'dev', 'eth0']);
  await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await sh('ip', ['addr', 'add', `${hostIp}/30`, 'dev', host]);
  await sh('ip', ['link', 'set', host, 'up']);
  const netns = `/run/netns/${ns}`;

  const before = await readNetDevInNetns(netns);
  const eth0Before = before.find((c) => c.name === 'eth0');
  assert.ok(eth0Before, `eth0 in ${JSON.stringify(before.map((c) => c.name))}`);
  assert.equal(before.some((c) => c.name === host), false, 'the host end is not in the pod namespace');

  // UDP to a closed port: eth0 receives the datagrams (and ARP), and answers (ARP, ICMP unreachable).
  const sock = createSocket('udp4');
  const payload = Buffer.alloc(1000, 7);
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve, reject) => sock.send(payload, 9, podIp, (e) => (e ? reject(e) : resolve())));
    await sleep(10);
  }
  sock.close();
  await sleep(200);

  const after = (await readNetDevInNetns(netns)).find((c) => c.name === 'eth0');
  assert.ok(after);
  assert.ok(after.rxBytes - eth0Before.rxBytes >= 20_000n, `rx ${eth0Before.rxBytes} → ${after.rxBytes}`);
  assert.ok(after.txBytes > eth0Before.txBytes, `tx ${eth0Before.txBytes} → ${after.txBytes}`);

  await sh('ip', ['netns', 'del', ns]);
  assert.equal(await exists(netns), false, 'netns removed');
  const links = (await sh('ip', ['-o', 'link', 'show'])).stdout;
  assert.equal(links.includes(host), false, 'veth gone with its namespace');
  await assert.rejects(readNetDevInNetns(netns), /stats: nsenter/, 'a missing netns is an error that names the layer and the command');
});
