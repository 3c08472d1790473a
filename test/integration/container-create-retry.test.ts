// CreateContainer retried by a client whose deadline expired (the kubelet's
// behaviour): through a real berthd whose creation is held at a failpoint
// until the test releases it, so "still running" and "already finished" are
// decided by the test, not by timing.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerConfig, ContainerState } from '../../src/api/gen/api.js';
import { CreateContainer, ListContainers, ListPodSandbox, PullImage, RemoveContainer, RemovePodSandbox, RunPodSandbox, StartContainer } from '../../src/api/methods.js';
import { Code } from '../../src/util/errors.js';
import { rejectsWith } from '../support/assert-grpc.js';
import { makeTestDir, startDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../support/images/build.js';
import { makeTestNetwork, podConfig, type TestNetwork } from '../support/pod-net.js';
import { imageRef, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

const POINT = 'container.after-rootfs';
let reg: RunningRegistry;
let busybox: string;
let d: TestDaemon;
let net: TestNetwork;
let fpDir: string;
const release = (): Promise<void> => writeFile(join(fpDir, POINT), '');

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
  const dir = await makeTestDir('berth-retry-');
  fpDir = join(dir, 'failpoints');
  await (await import('node:fs/promises')).mkdir(fpDir);
  net = await makeTestNetwork(dir);
  d = await startDaemon({
    cniConfDir: net.confDir,
    installDefaultNetwork: false,
    toml: net.toml,
    env: { BERTH_FAILPOINTS: `${POINT}=wait`, BERTH_FAILPOINT_DIR: fpDir },
  });
  await d.client.call(PullImage, { image: { image: busybox } });
});

after(async () => {
  await release().catch(() => undefined);
  const { items } = await d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
  for (const p of items) await d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
  await d?.cleanup();
  await net?.cleanup();
  await reg?.stop();
});

beforeEach(() => rm(join(fpDir, POINT), { force: true }));

let seq = 0;
async function runPod() {
  const config = podConfig(`retry-${process.pid}-${seq++}`);
  await release(); // pods do not pass the point, but keep the daemon unblocked while they start
  const { podSandboxId } = await d.client.call(RunPodSandbox, { config });
  await rm(join(fpDir, POINT), { force: true });
  return { id: podSandboxId, config };
}

const ctr = (name: string): ContainerConfig => ContainerConfig.fromJSON({ metadata: { name, attempt: 1 }, image: { image: busybox }, command: ['sleep', '1000'] });

function createReq(pod: { id: string; config: ReturnType<typeof podConfig> }, name: string) {
  return { podSandboxId: pod.id, config: ctr(name), sandboxConfig: pod.config };
}

async function containersOf(podId: string) {
  return (await d.client.call(ListContainers, { filter: { id: '', podSandboxId: podId, labelSelector: {}, state: undefined } })).containers;
}

/** Number of berthd log lines containing `text`. */
const logCount = (text: string): number => d.logs().split('\n').filter((l) => l.includes(text)).length;

describe('CreateContainer retried after the client gave up', () => {
  it('a retry while the first creation runs waits for it and gets its id, once; the next is "reserved"', async () => {
    const pod = await runPod();
    const waiting = logCount('CreateContainer retried while the first creation runs');
    await rejectsWith(d.client.call(CreateContainer, createReq(pod, 'slow'), { timeoutMs: 800 }), Code.DeadlineExceeded, /no answer within/);
    const retry = d.client.call(CreateContainer, createReq(pod, 'slow'));
    // The retry is parked on the first creation (which is still held at the failpoint) …
    await waitFor(() => logCount('CreateContainer retried while the first creation runs') > waiting, 10_000, () => 'the retry did not wait');
    assert.deepEqual(await containersOf(pod.id), [], 'nothing is created yet');
    await release();
    const { containerId } = await retry;
    // … and gets the one container the first call made.
    const listed = await containersOf(pod.id);
    assert.deepEqual(listed.map((c) => [c.id, c.state]), [[containerId, ContainerState.CONTAINER_CREATED]]);
    await d.client.call(StartContainer, { containerId });
    await rejectsWith(d.client.call(CreateContainer, createReq(pod, 'slow')), Code.AlreadyExists, new RegExp(`name "slow_.*_1" is reserved by container ${containerId}`));
    const bundles = (await readdir(join(d.state, 'containers'))).filter((b) => !b.startsWith(containerId));
    assert.equal(bundles.length, (await d.client.call(ListContainers, {})).containers.length - 1, 'no second bundle');
  });

  it('a retry after the abandoned creation finished gets its id, once', async () => {
    const pod = await runPod();
    const created = logCount('container created');
    await rejectsWith(d.client.call(CreateContainer, createReq(pod, 'late'), { timeoutMs: 800 }), Code.DeadlineExceeded, /no answer within/);
    await release();
    await waitFor(() => logCount('container created') > created, 10_000, () => 'the first creation did not finish');
    const { containerId } = await d.client.call(CreateContainer, createReq(pod, 'late'));
    assert.deepEqual((await containersOf(pod.id)).map((c) => c.id), [containerId]);
    await rejectsWith(d.client.call(CreateContainer, createReq(pod, 'late')), Code.AlreadyExists, new RegExp(`reserved by container ${containerId}`));
  });

  it('a genuine duplicate (the first was answered) gets "reserved" naming the holder; after removal the name is free', async () => {
    const pod = await runPod();
    await release();
    const { containerId } = await d.client.call(CreateContainer, createReq(pod, 'dup'));
    await rejectsWith(d.client.call(CreateContainer, createReq(pod, 'dup')), Code.AlreadyExists, new RegExp(`name "dup_.*" is reserved by container ${containerId} in pod ${pod.id}`));
    await d.client.call(RemoveContainer, { containerId });
    const again = await d.client.call(CreateContainer, createReq(pod, 'dup'));
    assert.notEqual(again.containerId, containerId);
  });

  it('an abandoned container that was removed is not handed to a later request', async () => {
    const pod = await runPod();
    const created = logCount('container created');
    await rejectsWith(d.client.call(CreateContainer, createReq(pod, 'gone'), { timeoutMs: 800 }), Code.DeadlineExceeded, /no answer within/);
    await release();
    await waitFor(() => logCount('container created') > created, 10_000, () => 'the first creation did not finish');
    const [abandoned] = await containersOf(pod.id);
    assert.ok(abandoned);
    await d.client.call(RemoveContainer, { containerId: abandoned.id });
    const fresh = await d.client.call(CreateContainer, createReq(pod, 'gone'));
    assert.notEqual(fresh.containerId, abandoned.id);
  });
});
