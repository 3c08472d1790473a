// Parallel CRI calls on the same objects, as a busy kubelet (or two
// clients) can make them: stop while start, remove while exec, create while
// the pod stops, the same RunPodSandbox four times at once, two pulls of one
// image, lists while everything is removed — never a deadlock (every call
// answers within a bound), never a state that disagrees with the machine,
// nothing left afterwards. And 20 pods started at once all come up
// (CONCURRENT_PODS=50 for the full number).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerState, PodSandboxState } from '../../src/api/gen/api.js';
import {
  ContainerStatus,
  ExecSync,
  ImageStatus,
  ListContainers,
  ListImages,
  ListPodSandbox,
  PodSandboxStatus,
  PullImage,
  RemoveContainer,
  RemoveImage,
  RemovePodSandbox,
  StartContainer,
  StopContainer,
  StopPodSandbox,
} from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { startProxy } from '../support/image-proxy.js';
import {
  assertClean,
  cgroupsOf,
  createAndStart,
  createCtr,
  ctrConfig,
  imageGarbage,
  podConfigFor,
  runPod,
  startStack,
  stopStack,
  type Node,
  type Registry,
} from '../support/reliability.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const BOUND = { timeoutMs: 30_000 };
const PODS_AT_ONCE = Number(process.env.CONCURRENT_PODS ?? 20);

let reg: Registry;
let n: Node;
const seen: string[] = [];

before(async () => {
  ({ reg, n } = await startStack());
});
after(() => stopStack(reg, n));

/** Settles every call; a rejection is fine unless it is a deadline (a hang) or not a gRPC status. */
async function settle(calls: Promise<unknown>[]): Promise<PromiseSettledResult<unknown>[]> {
  const rs = await Promise.allSettled(calls);
  for (const r of rs) {
    if (r.status === 'fulfilled') continue;
    const e = r.reason as unknown;
    assert.ok(e instanceof GrpcStatusError, `not a status: ${String(e)}`);
    assert.notEqual(e.grpcCode, Code.DeadlineExceeded, `a call hung: ${e.details}`);
    assert.notEqual(e.grpcCode, Code.Internal, `INTERNAL: ${e.details}`);
  }
  return rs;
}

/** Processes in the container's cgroup (from its memory controller). */
async function procsOf(id: string): Promise<number> {
  const cg = (await cgroupsOf([id])).find((p) => p.includes('/memory/'));
  if (!cg) return 0;
  return (await readFile(join(cg, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

/** What berthd says agrees with the machine: RUNNING has processes and answers exec; EXITED has none. */
async function assertTruthful(id: string): Promise<ContainerState> {
  const state = (await n.d.client.call(ContainerStatus, { containerId: id }, BOUND)).status!.state;
  if (state === ContainerState.CONTAINER_RUNNING) {
    assert.ok((await procsOf(id)) > 0, 'RUNNING without a process');
    await n.d.client.call(ExecSync, { containerId: id, cmd: ['true'], timeout: 10n }, BOUND);
  } else assert.equal(await procsOf(id), 0, `${ContainerState[state]} with processes left`);
  return state;
}

it('StopContainer racing StartContainer: the state agrees with the machine, and a later stop always ends it', async () => {
  const pod = podConfigFor(n, 'race-start');
  const podId = await runPod(n, pod);
  seen.push(podId);
  const outcomes = new Map<string, number>();
  for (let i = 0; i < 8; i++) {
    const id = await createCtr(n, podId, pod, ctrConfig(reg.busybox, `c${i}`, ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']));
    seen.push(id);
    const calls = i % 2 === 0 ? [n.d.client.call(StartContainer, { containerId: id }, BOUND), n.d.client.call(StopContainer, { containerId: id, timeout: 5n }, BOUND)] : [n.d.client.call(StopContainer, { containerId: id, timeout: 5n }, BOUND), n.d.client.call(StartContainer, { containerId: id }, BOUND)];
    await settle(calls);
    const state = await assertTruthful(id);
    outcomes.set(ContainerState[state], (outcomes.get(ContainerState[state]) ?? 0) + 1);
    await n.d.client.call(StopContainer, { containerId: id, timeout: 5n }, BOUND);
    assert.notEqual(await assertTruthful(id), ContainerState.CONTAINER_RUNNING);
  }
  process.stderr.write(`stop vs start outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
  await n.d.client.call(RemovePodSandbox, { podSandboxId: podId }, BOUND);
  await assertClean(n, seen);
});

it('RemoveContainer while ExecSync runs in it: both answer, the container and its exec are gone', async () => {
  const pod = podConfigFor(n, 'race-exec');
  const podId = await runPod(n, pod);
  seen.push(podId);
  for (let i = 0; i < 4; i++) {
    const id = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, `e${i}`));
    seen.push(id);
    const exec = n.d.client.call(ExecSync, { containerId: id, cmd: ['sleep', '3'], timeout: 20n }, BOUND);
    await new Promise((r) => setTimeout(r, 100 * i));
    await settle([exec, n.d.client.call(RemoveContainer, { containerId: id }, BOUND)]);
    await assert.rejects(n.d.client.call(ContainerStatus, { containerId: id }, BOUND), (e: unknown) => e instanceof GrpcStatusError && e.grpcCode === Code.NotFound);
    assert.equal(await procsOf(id), 0);
  }
  await n.d.client.call(RemovePodSandbox, { podSandboxId: podId }, BOUND);
  await assertClean(n, seen);
});

it('CreateContainer and StartContainer while the pod is stopped: no container runs in a NOTREADY pod', async () => {
  for (let i = 0; i < 4; i++) {
    const pod = podConfigFor(n, `race-podstop-${i}`);
    const podId = await runPod(n, pod);
    seen.push(podId);
    const create = createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'late')).then((id) => {
      seen.push(id);
      return id;
    });
    await new Promise((r) => setTimeout(r, 60 * i));
    await settle([create, n.d.client.call(StopPodSandbox, { podSandboxId: podId }, BOUND)]);
    assert.equal((await n.d.client.call(PodSandboxStatus, { podSandboxId: podId }, BOUND)).status?.state, PodSandboxState.SANDBOX_NOTREADY);
    for (const c of (await n.d.client.call(ListContainers, { filter: { podSandboxId: podId } }, BOUND)).containers) {
      // A container the stop did not see yet may still run: the kubelet's next StopPodSandbox ends it.
      if ((await assertTruthful(c.id)) === ContainerState.CONTAINER_RUNNING) await n.d.client.call(StopPodSandbox, { podSandboxId: podId }, BOUND);
      assert.notEqual(await assertTruthful(c.id), ContainerState.CONTAINER_RUNNING, 'running in a stopped pod');
    }
    await n.d.client.call(RemovePodSandbox, { podSandboxId: podId }, BOUND);
  }
  await assertClean(n, seen);
});

it('the same RunPodSandbox four times at once makes one pod', async () => {
  const pod = podConfigFor(n, 'same-four');
  const ids = await Promise.all([1, 2, 3, 4].map(() => runPod(n, pod)));
  seen.push(...ids);
  assert.equal(new Set(ids).size, 1, JSON.stringify(ids));
  assert.equal((await n.d.client.call(ListPodSandbox, {}, BOUND)).items.length, 1);
  await n.d.client.call(RemovePodSandbox, { podSandboxId: ids[0]! }, BOUND);
  await assertClean(n, seen);
});

it('two pulls of one image at once fetch each blob once and agree; a removal racing a pull leaves a consistent store', async () => {
  const proxy = await startProxy(reg.reg.url);
  try {
    const ref = `${proxy.host}/${reg.images.layered.repo}:${reg.images.layered.tag}`;
    const [a, b] = await Promise.all([n.d.client.call(PullImage, { image: { image: ref } }, BOUND), n.d.client.call(PullImage, { image: { image: ref } }, BOUND)]);
    assert.equal(a.imageRef, b.imageRef);
    for (const l of reg.images.layered.layers) assert.equal(proxy.blobGets(l.digest), 1, `blob ${l.digest} fetched once`);
    for (let i = 0; i < 4; i++) {
      await settle([n.d.client.call(PullImage, { image: { image: ref } }, BOUND), n.d.client.call(RemoveImage, { image: { image: ref } }, BOUND)]);
      // Either order is fine; what is listed must be whole, and nothing unnamed may stay.
      const st = await n.d.client.call(ImageStatus, { image: { image: ref } }, BOUND);
      if (st.image) await n.d.client.call(RemoveImage, { image: { image: ref } }, BOUND);
      assert.deepEqual(await imageGarbage(n.d), []);
    }
    assert.deepEqual((await n.d.client.call(ListImages, {}, BOUND)).images.map((x) => x.repoTags).flat(), [reg.busybox]);
  } finally {
    await proxy.close();
  }
});

it(`${PODS_AT_ONCE} pods started at once all come up; lists served while they are removed at once`, async () => {
  const configs = Array.from({ length: PODS_AT_ONCE }, (_, i) => podConfigFor(n, `many-${i}`));
  const t0 = Date.now();
  const ids = await Promise.all(configs.map((c) => runPod(n, c)));
  const upMs = Date.now() - t0;
  seen.push(...ids);
  assert.equal(new Set(ids).size, PODS_AT_ONCE);
  const ips = new Set<string>();
  for (const id of ids) {
    const st = (await n.d.client.call(PodSandboxStatus, { podSandboxId: id }, BOUND)).status;
    assert.equal(st?.state, PodSandboxState.SANDBOX_READY);
    ips.add(st!.network!.ip);
  }
  assert.equal(ips.size, PODS_AT_ONCE, 'distinct IPs');
  process.stderr.write(`${PODS_AT_ONCE} pods at once: all ready after ${upMs} ms\n`);

  let stop = false;
  let lists = 0;
  const lister = (async () => {
    while (!stop) {
      const [pods] = await Promise.all([n.d.client.call(ListPodSandbox, {}, { timeoutMs: 5000 }), n.d.client.call(ListContainers, {}, { timeoutMs: 5000 })]);
      for (const p of pods.items) assert.ok(ids.includes(p.id), 'only whole pods are listed');
      lists++;
    }
  })();
  await settle(ids.map((id) => n.d.client.call(RemovePodSandbox, { podSandboxId: id }, BOUND)));
  stop = true;
  await lister;
  assert.ok(lists > 0);
  assert.deepEqual((await n.d.client.call(ListPodSandbox, {}, BOUND)).items, []);
  await assertClean(n, seen, 20_000);
});
