// berthd SIGKILLed at each step of RunPodSandbox, StopPodSandbox and
// RemovePodSandbox (failpoints), restarted without the failpoint: the pod is
// either fully there and working or fully gone, the kubelet's retry of the
// same request succeeds, and once everything is removed nothing is left.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PodSandboxState } from '../../src/api/gen/api.js';
import { ListPodSandbox, PodSandboxStatus, RemovePodSandbox, StopPodSandbox } from '../../src/api/methods.js';
import { sh } from '../support/pod-net.js';
import {
  armFailpoint,
  assertClean,
  containerState,
  createAndStart,
  crashAt,
  ctrConfig,
  podConfigFor,
  removeAll,
  runPod,
  startStack,
  stopStack,
  type Node,
  type Registry,
} from '../support/reliability.js';

let reg: Registry;
let n: Node;
const seen: string[] = [];

before(async () => {
  ({ reg, n } = await startStack());
});
after(() => stopStack(reg, n));

async function podState(id: string): Promise<PodSandboxState | undefined> {
  const items = (await n.d.client.call(ListPodSandbox, {})).items;
  return items.find((p) => p.id === id)?.state;
}

/** A READY pod must be reachable on its IP (its network really is there). */
async function assertWorking(id: string): Promise<void> {
  const st = await n.d.client.call(PodSandboxStatus, { podSandboxId: id });
  assert.equal(st.status?.state, PodSandboxState.SANDBOX_READY);
  await sh('busybox', ['ping', '-c', '1', '-W', '3', st.status!.network!.ip]);
}

describe('RunPodSandbox', () => {
  // pid POD (the proto3 default): the infra process (conmon + runc + catatonit) is part of every step.
  for (const point of ['pod.after-intent', 'pod.after-namespaces', 'pod.after-cni', 'pod.before-ready']) {
    it(`killed at ${point}: rolled back on restart; the retry runs the pod; removal leaves nothing`, async () => {
      await armFailpoint(n, point);
      const config = podConfigFor(n, point.replace(/\./g, '-'));
      await crashAt(n, point, () => runPod(n, config));
      assert.deepEqual((await n.d.client.call(ListPodSandbox, {})).items, [], 'no half-made pod listed');
      await assertClean(n, seen);
      const id = await runPod(n, config);
      seen.push(id);
      await assertWorking(id);
      assert.equal(await runPod(n, config), id, 'a second retry gets the same pod');
      await removeAll(n);
      await assertClean(n, seen);
    });
  }
});

describe('StopPodSandbox', () => {
  const cases = [
    { point: 'pod.stop.after-containers', pid: 'POD' },
    { point: 'pod.after-cni-del', pid: 'POD' },
    // No infra process: only the record can tell that the network is gone.
    { point: 'pod.after-cni-del', pid: 'CONTAINER' },
  ];
  for (const { point, pid } of cases) {
    it(`killed at ${point} (pid ${pid}): the pod is NOTREADY or still working; the retried stop and a removal leave nothing`, async () => {
      await armFailpoint(n, point);
      const config = podConfigFor(n, `${point.replace(/\./g, '-')}-${pid.toLowerCase()}`, { linux: { securityContext: { namespaceOptions: { pid } } } });
      const id = await runPod(n, config);
      const ctr = await createAndStart(n, id, config, ctrConfig(reg.busybox, 'sleeper'));
      seen.push(id, ctr);
      await crashAt(n, point, () => n.d.client.call(StopPodSandbox, { podSandboxId: id }));
      const state = await podState(id);
      assert.ok(state !== undefined, 'a stopped pod is kept until removed');
      if (state === PodSandboxState.SANDBOX_READY) await assertWorking(id);
      await n.d.client.call(StopPodSandbox, { podSandboxId: id });
      assert.equal(await podState(id), PodSandboxState.SANDBOX_NOTREADY);
      assert.notEqual(await containerState(n, ctr), 1 /* RUNNING */);
      await n.d.client.call(RemovePodSandbox, { podSandboxId: id });
      await assertClean(n, seen);
    });
  }
});

describe('RemovePodSandbox', () => {
  it('killed mid-removal: the removal is finished on restart; the retry is a no-op; nothing is left', async () => {
    await armFailpoint(n, 'pod.remove.mid');
    const config = podConfigFor(n, 'remove-mid');
    const id = await runPod(n, config);
    const ctr = await createAndStart(n, id, config, ctrConfig(reg.busybox, 'sleeper'));
    seen.push(id, ctr);
    await crashAt(n, 'pod.remove.mid', () => n.d.client.call(RemovePodSandbox, { podSandboxId: id }));
    assert.equal(await podState(id), undefined);
    assert.equal(await containerState(n, ctr), undefined);
    await n.d.client.call(RemovePodSandbox, { podSandboxId: id });
    await assertClean(n, seen);
  });
});
