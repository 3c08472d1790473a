// berthd SIGKILLed at each step of CreateContainer and StartContainer
// (failpoints), restarted without the failpoint: the container is either
// fully there and working or fully gone; the kubelet's retry (CreateContainer
// with the same name — the name reservation must be released with the
// rolled-back container) succeeds; after removal nothing is left.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerState } from '../../src/api/gen/api.js';
import { ExecSync, ListContainers, RemovePodSandbox, StartContainer } from '../../src/api/methods.js';
import { Code } from '../../src/util/errors.js';
import {
  armFailpoint,
  assertClean,
  assertGrpcError,
  containerState,
  createCtr,
  crashAt,
  ctrConfig,
  podConfigFor,
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

async function assertExecWorks(id: string): Promise<void> {
  const r = await n.d.client.call(ExecSync, { containerId: id, cmd: ['echo', 'alive'], timeout: 10n });
  assert.equal(Buffer.from(r.stdout).toString(), 'alive\n');
}

describe('CreateContainer', () => {
  for (const point of ['container.after-intent', 'container.after-rootfs', 'container.after-conmon', 'container.before-persist']) {
    it(`killed at ${point}: rolled back on restart; the same name can be created again and runs; nothing is left`, async () => {
      await armFailpoint(n, point);
      const pod = podConfigFor(n, point.replace(/\./g, '-'));
      const podId = await runPod(n, pod);
      seen.push(podId);
      const config = ctrConfig(reg.busybox, 'app');
      await crashAt(n, point, () => createCtr(n, podId, pod, config));
      const listed = (await n.d.client.call(ListContainers, {})).containers;
      assert.deepEqual(listed, [], 'no half-made container listed');
      // The kubelet's retry: same pod, same name and attempt.
      const id = await createCtr(n, podId, pod, config);
      seen.push(id);
      await n.d.client.call(StartContainer, { containerId: id });
      await assertExecWorks(id);
      await n.d.client.call(RemovePodSandbox, { podSandboxId: podId });
      await assertClean(n, seen);
    });
  }
});

describe('StartContainer', () => {
  it('killed after runc start, before the record: RUNNING after restart and working; a retried start is refused as running; nothing left after removal', async () => {
    await armFailpoint(n, 'container.start.after-runc');
    const pod = podConfigFor(n, 'start-crash');
    const podId = await runPod(n, pod);
    const id = await createCtr(n, podId, pod, ctrConfig(reg.busybox, 'app'));
    seen.push(podId, id);
    await crashAt(n, 'container.start.after-runc', () => n.d.client.call(StartContainer, { containerId: id }));
    assert.equal(await containerState(n, id), ContainerState.CONTAINER_RUNNING);
    await assertExecWorks(id);
    // containerd and CRI-O answer the same: the kubelet then reads RUNNING from the status.
    await assert.rejects(n.d.client.call(StartContainer, { containerId: id }), (e: unknown) => {
      assertGrpcError(e, Code.FailedPrecondition, /running, not created/);
      return true;
    });
    await n.d.client.call(RemovePodSandbox, { podSandboxId: podId });
    await assertClean(n, seen);
  });
});
