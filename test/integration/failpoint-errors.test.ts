// The same failpoints as the crash tests, set to fail the step instead of
// killing berthd: the in-process rollback (not recovery on restart) must
// undo everything made so far, answer with the error, and let the retry work.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListContainers, ListPodSandbox, RemovePodSandbox, StartContainer } from '../../src/api/methods.js';
import { restartDaemon } from '../support/daemon.js';
import { Code } from '../../src/util/errors.js';
import {
  armFailpoint,
  assertClean,
  assertGrpcError,
  createCtr,
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

async function failsAt(point: string, call: () => Promise<unknown>): Promise<void> {
  await assert.rejects(call(), (e: unknown) => {
    assertGrpcError(e, Code.Internal, new RegExp(`failpoint ${point.replace(/\./g, '\\.')}`));
    return true;
  });
}

async function disarm(): Promise<void> {
  await n.d.stop();
  n.d = await restartDaemon(n.d);
}

for (const point of ['pod.after-intent', 'pod.after-namespaces', 'pod.after-cni', 'pod.before-ready']) {
  it(`RunPodSandbox failing at ${point} is rolled back at once; the retry works`, async () => {
    await armFailpoint(n, point, 'error');
    const config = podConfigFor(n, `err-${point.replace(/\./g, '-')}`);
    await failsAt(point, () => runPod(n, config));
    assert.deepEqual((await n.d.client.call(ListPodSandbox, {})).items, []);
    await assertClean(n, seen);
    await disarm();
    const id = await runPod(n, config);
    seen.push(id);
    await n.d.client.call(RemovePodSandbox, { podSandboxId: id });
    await assertClean(n, seen);
  });
}

for (const point of ['container.after-intent', 'container.after-rootfs', 'container.after-conmon', 'container.before-persist']) {
  it(`CreateContainer failing at ${point} is rolled back at once; the same name is free again`, async () => {
    await armFailpoint(n, point, 'error');
    const pod = podConfigFor(n, `err-${point.replace(/\./g, '-')}`);
    const podId = await runPod(n, pod);
    seen.push(podId);
    const config = ctrConfig(reg.busybox, 'app');
    await failsAt(point, () => createCtr(n, podId, pod, config));
    assert.deepEqual((await n.d.client.call(ListContainers, {})).containers, []);
    await disarm();
    const id = await createCtr(n, podId, pod, config);
    seen.push(id);
    await n.d.client.call(StartContainer, { containerId: id });
    await n.d.client.call(RemovePodSandbox, { podSandboxId: podId });
    await assertClean(n, seen);
  });
}
