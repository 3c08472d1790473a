// The four stats RPCs over a fake source, a v2 fixture hierarchy, a fake
// netns reader and a fake du: shapes, filters, states, errors, pod aggregation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallContext } from '../../src/api/server.js';
import { statsHandlers } from '../../src/cri/stats-service.js';
import type { StatsContainer, StatsPod, StatsSource } from '../../src/cri/stats-source.js';
import type { Clock } from '../../src/cgroups/stats-parse.js';
import { StatsCollector } from '../../src/stats/collector.js';
import type { NetDevCounters } from '../../src/stats/net-stats.js';
import { BerthError, Code } from '../../src/util/errors.js';

const fixture = (name: string): URL => new URL(`../fixtures/stats/${name}`, import.meta.url);
const ctx = { signal: new AbortController().signal, method: 'ContainerStats' } as CallContext;
const POD = 'aa'.repeat(32);
const POD2 = 'ab'.repeat(32);
const C1 = 'c1'.repeat(32);
const C2 = 'c2'.repeat(32);
const C3 = 'c3'.repeat(32);

async function cgroup(root: string, path: string, cpuUsec: number, current: number, pids: number): Promise<void> {
  const dir = join(root, path);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'cpu.stat'), `usage_usec ${cpuUsec}\nuser_usec 0\nsystem_usec 0\n`);
  await copyFile(fixture('v2-memory.stat'), join(dir, 'memory.stat'));
  await writeFile(join(dir, 'memory.current'), `${current}\n`);
  await writeFile(join(dir, 'memory.max'), '268435456\n');
  await writeFile(join(dir, 'pids.current'), `${pids}\n`);
}

function container(id: string, podId: string, state: StatsContainer['state'], labels: Record<string, string> = {}): StatsContainer {
  return {
    id,
    podId,
    metadata: { name: `n-${id.slice(0, 2)}`, attempt: 0 },
    labels,
    annotations: { a: '1' },
    state,
    cgroupPath: `/kubepods/pod-${podId.slice(0, 2)}/${id}`,
    upperDir: `/layers/${id}/upper`,
    layerMountpoint: '/var/lib/berth/containers',
  };
}

type NetReader = (p: string) => Promise<NetDevCounters[]>;

async function setup(t: { after: (f: () => Promise<void>) => void }, podCgroup: boolean, netReader?: NetReader) {
  const root = await mkdtemp(join(tmpdir(), 'berth-stats-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeFile(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
  await cgroup(root, `kubepods/pod-aa/${C1}`, 1000, 20_000_000, 2);
  await cgroup(root, `kubepods/pod-aa/${C2}`, 3000, 30_000_000, 1);
  if (podCgroup) await cgroup(root, 'kubepods/pod-aa', 9000, 60_000_000, 4);
  const containers = [container(C1, POD, 'running', { app: 'web' }), container(C2, POD, 'running'), container(C3, POD, 'exited')];
  const pods: StatsPod[] = [
    { id: POD, metadata: { name: 'p', uid: 'u', namespace: 'ns', attempt: 0 }, labels: { tier: 'a' }, annotations: {}, ready: true, netnsPath: '/run/berth/ns/net/x', cgroupParent: podCgroup ? '/kubepods/pod-aa' : '' },
    { id: POD2, metadata: undefined, labels: {}, annotations: {}, ready: false, cgroupParent: '' },
  ];
  const source: StatsSource = { containers: () => containers, pods: () => pods };
  const netReads: string[] = [];
  // A controllable monotonic clock: rates over a known interval, no sleeping.
  const clock = { timestampNs: 1_700_000_000_000_000_000n, monotonicNs: 1_000_000_000n };
  const collector = new StatsCollector({
    cgroupRoot: root,
    clock: (): Clock => ({ ...clock }),
    fs: { measure: async () => ({ bytes: 8192n, inodes: 3n }) },
    readNetDev: netReader ?? (async (p) => {
      netReads.push(p);
      return [
        { name: 'lo', rxBytes: 1n, rxPackets: 1n, rxErrors: 0n, rxDropped: 0n, txBytes: 1n, txPackets: 1n, txErrors: 0n, txDropped: 0n },
        { name: 'eth0', rxBytes: 100n, rxPackets: 2n, rxErrors: 1n, rxDropped: 0n, txBytes: 200n, txPackets: 3n, txErrors: 2n, txDropped: 0n },
        { name: 'net1', rxBytes: 5n, rxPackets: 1n, rxErrors: 0n, rxDropped: 0n, txBytes: 6n, txPackets: 1n, txErrors: 0n, txDropped: 0n },
      ];
    }),
  });
  // The writable layers' upper dirs must exist for the cache to measure them.
  for (const c of containers) await mkdir(join(root, 'layers', c.id, 'upper'), { recursive: true });
  for (const c of containers) c.upperDir = join(root, 'layers', c.id, 'upper');
  return { h: statsHandlers(source, collector), collector, netReads, containers, clock, root };
}

const code = (c: Code) => (e: unknown) => e instanceof BerthError && e.code === c;

test('ContainerStats: cpu, memory and writable layer of a running container', async (t) => {
  const { h } = await setup(t, true);
  const r = await h.ContainerStats!({ containerId: C1.slice(0, 8) }, ctx);
  const s = r.stats;
  assert.ok(s);
  assert.deepEqual(s.attributes, { id: C1, metadata: { name: 'n-c1', attempt: 0 }, labels: { app: 'web' }, annotations: { a: '1' } });
  assert.equal(s.cpu?.usageCoreNanoSeconds?.value, 1_000_000n);
  assert.equal(s.cpu?.usageNanoCores?.value, 0n, 'first sample');
  assert.equal(s.memory?.usageBytes?.value, 20_000_000n);
  assert.equal(s.memory?.workingSetBytes?.value, 20_000_000n - 12582912n);
  assert.equal(s.memory?.availableBytes?.value, 268435456n - (20_000_000n - 12582912n));
  assert.equal(s.memory?.rssBytes?.value, 8388608n);
  assert.equal(s.memory?.pageFaults?.value, 123456n);
  assert.equal(s.memory?.majorPageFaults?.value, 78n);
  assert.ok((s.cpu?.timestamp ?? 0n) > 0n);
  assert.deepEqual(s.writableLayer?.fsId, { mountpoint: '/var/lib/berth/containers' });
  assert.equal(s.writableLayer?.usedBytes?.value, 8192n);
  assert.equal(s.writableLayer?.inodesUsed?.value, 3n);
});

test('ContainerStats: unknown → NotFound, exited → FailedPrecondition, empty id → InvalidArgument', async (t) => {
  const { h } = await setup(t, true);
  await assert.rejects(h.ContainerStats!({ containerId: 'ffff' }, ctx), code(Code.NotFound));
  await assert.rejects(h.ContainerStats!({ containerId: C3 }, ctx), code(Code.FailedPrecondition));
  await assert.rejects(h.ContainerStats!({ containerId: '' }, ctx), code(Code.InvalidArgument));
  await assert.rejects(h.ContainerStats!({ containerId: 'c' }, ctx), code(Code.InvalidArgument), 'ambiguous prefix');
});

test('ListContainerStats: every container, exited ones without live stats; filters', async (t) => {
  const { h } = await setup(t, true);
  const all = await h.ListContainerStats!({ filter: undefined }, ctx);
  assert.deepEqual(all.stats.map((s) => s.attributes?.id), [C1, C2, C3]);
  const exited = all.stats[2];
  assert.equal(exited?.cpu, undefined);
  assert.equal(exited?.memory, undefined);
  assert.equal(exited?.writableLayer?.usedBytes?.value, 8192n);
  const byLabel = await h.ListContainerStats!({ filter: { id: '', podSandboxId: '', labelSelector: { app: 'web' } } }, ctx);
  assert.deepEqual(byLabel.stats.map((s) => s.attributes?.id), [C1]);
  const byId = await h.ListContainerStats!({ filter: { id: C2.slice(0, 6), podSandboxId: '', labelSelector: {} } }, ctx);
  assert.deepEqual(byId.stats.map((s) => s.attributes?.id), [C2]);
  const byPod = await h.ListContainerStats!({ filter: { id: '', podSandboxId: POD2.slice(0, 4), labelSelector: {} } }, ctx);
  assert.deepEqual(byPod.stats, []);
});

test('nano-cores from two samples, and pruning of what went away', async (t) => {
  const { h, collector, containers, clock, root } = await setup(t, true);
  const first = await h.ListContainerStats!({ filter: undefined }, ctx);
  assert.equal(first.stats[0]?.cpu?.usageNanoCores?.value, 0n);
  clock.monotonicNs += 1_100_000_000n;
  await writeFile(join(root, `kubepods/pod-aa/${C1}`, 'cpu.stat'), 'usage_usec 551000\n');
  const second = await h.ContainerStats!({ containerId: C1 }, ctx);
  // 550 ms of CPU over 1.1 s = 500 millicores.
  assert.equal(second.stats?.cpu?.usageNanoCores?.value, 500_000_000n);
  containers.splice(1, 2);
  await h.ListContainerStats!({ filter: undefined }, ctx);
  assert.equal(collector.cpuRates.size, 1, 'C2 forgotten');
  assert.equal(collector.fsUsage.size, 1);
});

test('PodSandboxStats: from the pod cgroup; network from its netns; containers included', async (t) => {
  const { h, netReads } = await setup(t, true);
  const r = await h.PodSandboxStats!({ podSandboxId: POD.slice(0, 5) }, ctx);
  const s = r.stats;
  assert.deepEqual(s?.attributes, { id: POD, metadata: { name: 'p', uid: 'u', namespace: 'ns', attempt: 0 }, labels: { tier: 'a' }, annotations: {} });
  const l = s?.linux;
  assert.ok(l);
  assert.equal(l.cpu?.usageCoreNanoSeconds?.value, 9_000_000n);
  assert.equal(l.memory?.usageBytes?.value, 60_000_000n);
  assert.equal(l.process?.processCount?.value, 4n);
  assert.deepEqual(netReads, ['/run/berth/ns/net/x']);
  assert.deepEqual(l.network?.defaultInterface, { name: 'eth0', rxBytes: { value: 100n }, rxErrors: { value: 1n }, txBytes: { value: 200n }, txErrors: { value: 2n } });
  assert.deepEqual(l.network?.interfaces.map((i) => i.name), ['net1']);
  assert.deepEqual(l.containers.map((c) => c.attributes?.id), [C1, C2, C3]);
  assert.equal(s?.windows, undefined);
});

test('PodSandboxStats without a pod cgroup: summed from the running containers', async (t) => {
  const { h } = await setup(t, false);
  const l = (await h.PodSandboxStats!({ podSandboxId: POD }, ctx)).stats?.linux;
  assert.equal(l?.cpu?.usageCoreNanoSeconds?.value, 4_000_000n);
  assert.equal(l?.memory?.usageBytes?.value, 50_000_000n);
  assert.equal(l?.memory?.availableBytes, undefined, 'a sum has no limit');
  assert.equal(l?.process?.processCount?.value, 3n);
});

test('pod errors and ListPodSandboxStats skipping pods that are not ready', async (t) => {
  const { h } = await setup(t, true);
  await assert.rejects(h.PodSandboxStats!({ podSandboxId: 'ffff' }, ctx), code(Code.NotFound));
  await assert.rejects(h.PodSandboxStats!({ podSandboxId: POD2 }, ctx), code(Code.FailedPrecondition));
  const all = await h.ListPodSandboxStats!({ filter: undefined }, ctx);
  assert.deepEqual(all.stats.map((s) => s.attributes?.id), [POD]);
  const none = await h.ListPodSandboxStats!({ filter: { id: '', labelSelector: { tier: 'b' } } }, ctx);
  assert.deepEqual(none.stats, []);
  const one = await h.ListPodSandboxStats!({ filter: { id: POD.slice(0, 3), labelSelector: { tier: 'a' } } }, ctx);
  assert.equal(one.stats.length, 1);
});

test('a failing netns read leaves network out instead of failing the call', async (t) => {
  const { h } = await setup(t, true, async () => {
    throw new Error('nsenter: cannot open');
  });
  const l = (await h.PodSandboxStats!({ podSandboxId: POD }, ctx)).stats?.linux;
  assert.equal(l?.network, undefined);
  assert.ok(l?.cpu);
});
