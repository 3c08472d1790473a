// The stats RPCs through the real stack: a pod on the real CNI bridge with a
// busy container and an exited one. Pod numbers come from the pod's cgroup
// parent; its eth0 counters from inside the pod's netns.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerConfig } from '../../src/api/gen/api.js';
import {
  ContainerStats,
  CreateContainer,
  ListContainerStats,
  ListPodSandboxStats,
  PodSandboxStats,
  RunPodSandbox,
  StartContainer,
} from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { waitFor, type TestDaemon } from '../support/daemon.js';
import { podConfig } from '../support/pod-net.js';
import { startStack, type TestStack } from '../support/stack.js';

const PARENT = `berth-stats-test-${process.pid}`;
let busybox: string;
let stack: TestStack;
let d: TestDaemon;

before(async () => {
  stack = await startStack({ prefix: 'berth-stats-' });
  ({ d, busybox } = stack);
});

after(async () => {
  await stack?.stop();
  // runc creates the pod's cgroup parent in every hierarchy and removes only the containers' own.
  for (const h of await readdir('/sys/fs/cgroup')) await rmdir(join('/sys/fs/cgroup', h, PARENT)).catch(() => undefined);
});

const ctr = (name: string, cmd: string[]): ContainerConfig =>
  ContainerConfig.fromJSON({ metadata: { name, attempt: 0 }, image: { image: busybox }, command: cmd, labels: { role: name } });

it('container and pod stats of a running pod', async () => {
  const config = podConfig(`stats-${process.pid}`, { labels: { suite: 'stats' }, linux: { cgroupParent: `/${PARENT}` } });
  const { podSandboxId: pod } = await d.client.call(RunPodSandbox, { config });
  const start = async (c: ContainerConfig): Promise<string> => {
    const { containerId } = await d.client.call(CreateContainer, { podSandboxId: pod, config: c, sandboxConfig: config });
    await d.client.call(StartContainer, { containerId });
    return containerId;
  };
  // Busy, holding memory, with a file in its writable layer.
  const busy = await start(ctr('busy', ['sh', '-c', 'head -c 3000000 /dev/zero > /big; x=$(head -c 4000000 /dev/zero | tr "\\0" a); while :; do :; done']));
  const done = await start(ctr('done', ['true']));
  await waitFor(
    async () => (await d.client.call(ListContainerStats, { filter: { id: done, podSandboxId: '', labelSelector: {} } })).stats[0]?.cpu === undefined,
    10_000,
    () => 'the "done" container to exit',
  );

  await new Promise((r) => setTimeout(r, 1500));
  await d.client.call(ContainerStats, { containerId: busy });
  await new Promise((r) => setTimeout(r, 1200));
  const s = (await d.client.call(ContainerStats, { containerId: busy })).stats;
  assert.equal(s?.attributes?.id, busy);
  assert.deepEqual(s?.attributes?.labels, { role: 'busy' });
  assert.ok((s?.cpu?.usageNanoCores?.value ?? 0n) > 100_000_000n, `nano-cores ${String(s?.cpu?.usageNanoCores?.value)}`);
  assert.ok((s?.memory?.workingSetBytes?.value ?? 0n) > 4_000_000n, `working set ${String(s?.memory?.workingSetBytes?.value)}`);
  assert.ok((s?.writableLayer?.usedBytes?.value ?? 0n) >= 3_000_000n, `writable layer ${String(s?.writableLayer?.usedBytes?.value)}`);
  assert.ok(s?.writableLayer?.fsId?.mountpoint.endsWith('/containers'));

  // Exited: listed without live numbers; the single RPC refuses it.
  const list = await d.client.call(ListContainerStats, { filter: { id: '', podSandboxId: pod, labelSelector: {} } });
  assert.deepEqual(new Set(list.stats.map((x) => x.attributes?.id)), new Set([busy, done]));
  const exited = list.stats.find((x) => x.attributes?.id === done);
  assert.equal(exited?.cpu, undefined);
  assert.ok(exited?.writableLayer);
  await assert.rejects(d.client.call(ContainerStats, { containerId: done }), (e: unknown) => e instanceof GrpcStatusError && e.code === Code.FailedPrecondition);
  await assert.rejects(d.client.call(ContainerStats, { containerId: 'f00d' }), (e: unknown) => e instanceof GrpcStatusError && e.code === Code.NotFound);

  // Pod: from /<PARENT>, network from eth0 in the pod's netns.
  await sendUdp((await podIp(pod)) ?? '', 10);
  const p = (await d.client.call(PodSandboxStats, { podSandboxId: pod })).stats;
  const l = p?.linux;
  assert.equal(p?.attributes?.id, pod);
  assert.ok((l?.cpu?.usageCoreNanoSeconds?.value ?? 0n) >= (s?.cpu?.usageCoreNanoSeconds?.value ?? 0n), 'the pod cgroup holds the container');
  assert.ok((l?.memory?.usageBytes?.value ?? 0n) > 4_000_000n);
  assert.ok((l?.process?.processCount?.value ?? 0n) >= 1n);
  assert.equal(l?.network?.defaultInterface?.name, 'eth0');
  assert.ok((l?.network?.defaultInterface?.rxBytes?.value ?? 0n) >= 5000n, 'eth0 received the datagrams');
  assert.ok((l?.network?.defaultInterface?.txBytes?.value ?? 0n) > 0n, 'eth0 answered');
  assert.equal(l?.containers.length, 2);
  const all = await d.client.call(ListPodSandboxStats, { filter: { id: '', labelSelector: { suite: 'stats' } } });
  assert.deepEqual(all.stats.map((x) => x.attributes?.id), [pod]);
});

/** Datagrams to a closed port of the pod: its eth0 receives them (and answers ARP / ICMP). */
async function sendUdp(ip: string, n: number): Promise<void> {
  assert.ok(ip, 'the pod has an IP');
  const sock = createSocket('udp4');
  for (let i = 0; i < n; i++) await new Promise<void>((res, rej) => sock.send(Buffer.alloc(500), 9, ip, (e) => (e ? rej(e) : res())));
  sock.close();
  await new Promise((r) => setTimeout(r, 200));
}

async function podIp(pod: string): Promise<string | undefined> {
  const { PodSandboxStatus } = await import('../../src/api/methods.js');
  return (await d.client.call(PodSandboxStatus, { podSandboxId: pod, verbose: false })).status?.network?.ip;
}
