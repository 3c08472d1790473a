// The Stream* list RPCs of CRI 1.36 through a real berthd: each answers what
// its List* counterpart answers for the same filter, and a list too large for
// one gRPC message (berthd's limit lowered to 4 MiB here, the kubelet's is
// 16 MiB) still streams, in several messages, where the unary call fails.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerConfig, ContainerState, type Container, type PodSandbox } from '../../src/api/gen/api.js';
import {
  CreateContainer,
  ListContainers,
  ListContainerStats,
  ListImages,
  ListPodSandbox,
  ListPodSandboxStats,
  PullImage,
  RemovePodSandbox,
  RunPodSandbox,
  StartContainer,
  StreamContainers,
  StreamContainerStats,
  StreamImages,
  StreamPodSandboxes,
  StreamPodSandboxStats,
} from '../../src/api/methods.js';
import type { MethodDef } from '../../src/api/methods.js';
import type { DeepPartial } from '../../src/api/gen/api.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../support/images/build.js';
import { podConfig } from '../support/pod-net.js';
import { imageRef, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

const MAX_MSG = 4 * 1024 * 1024;
let reg: RunningRegistry;
let busybox: string;
let d: TestDaemon;

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
  d = await startDaemon({ toml: `[grpc]\nmax_msg_size = ${MAX_MSG}\n` });
  await d.client.call(PullImage, { image: { image: busybox } });
});

after(async () => {
  // The big pods are too many for one ListPodSandbox: remove what the stream lists.
  for (const p of await collect(StreamPodSandboxes, {}, (m) => m.podSandboxes).catch(() => [])) {
    await d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
  }
  await d?.cleanup();
  await reg?.stop();
});

/** All messages of a stream, and their items concatenated. */
async function collectMessages<Req, Res, Item>(m: MethodDef<Req, Res, true>, req: DeepPartial<Req>, items: (r: Res) => Item[]): Promise<Item[][]> {
  const out: Item[][] = [];
  await d.client.stream(m, req, (r) => out.push(items(r)));
  return out;
}
const collect = async <Req, Res, Item>(m: MethodDef<Req, Res, true>, req: DeepPartial<Req>, items: (r: Res) => Item[]): Promise<Item[]> =>
  (await collectMessages(m, req, items)).flat();

// Cheap pods: the host's network, no shared PID namespace (no infra process).
const cheapPod = (name: string, over: Record<string, unknown> = {}) =>
  podConfig(name, { linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER' } } }, ...over });

const ids = (xs: readonly { id: string }[]): string[] => xs.map((x) => x.id).sort();

it('Stream{PodSandboxes,Containers,ContainerStats,PodSandboxStats,Images} answer what the List calls answer, filters included', async () => {
  const config = cheapPod(`streams-${process.pid}`, { labels: { suite: 'streams' } });
  const { podSandboxId: pod } = await d.client.call(RunPodSandbox, { config });
  const other = cheapPod(`streams-other-${process.pid}`, { labels: { suite: 'streams', other: 'yes' } });
  const { podSandboxId: pod2 } = await d.client.call(RunPodSandbox, { config: other });
  const create = async (name: string, start: boolean): Promise<string> => {
    const c = ContainerConfig.fromJSON({ metadata: { name, attempt: 0 }, image: { image: busybox }, command: ['sleep', '3600'], labels: { role: name } });
    const { containerId } = await d.client.call(CreateContainer, { podSandboxId: pod, config: c, sandboxConfig: config });
    if (start) await d.client.call(StartContainer, { containerId });
    return containerId;
  };
  const running = await create('running', true);
  const created = await create('created', false);

  // Pods: unfiltered, by label, by id prefix, and a filter matching nothing (a stream without messages).
  const podFilters = [{}, { filter: { labelSelector: { other: 'yes' } } }, { filter: { id: pod.slice(0, 10) } }, { filter: { id: 'ffffffffffff0' } }];
  for (const f of podFilters) {
    const listed = (await d.client.call(ListPodSandbox, f)).items;
    const streamed = await collectMessages(StreamPodSandboxes, f, (m) => m.podSandboxes);
    assert.deepEqual(streamed.flat(), listed, JSON.stringify(f));
    if (listed.length === 0) assert.equal(streamed.length, 0, 'no message for an empty list');
  }
  assert.deepEqual(ids(await collect(StreamPodSandboxes, { filter: { labelSelector: { suite: 'streams' } } }, (m) => m.podSandboxes)), [pod, pod2].sort());

  // Containers: by pod, by state, by label.
  const ctrFilters = [
    { filter: { podSandboxId: pod } },
    { filter: { state: { state: ContainerState.CONTAINER_RUNNING } } },
    { filter: { labelSelector: { role: 'created' } } },
    { filter: { podSandboxId: pod2 } },
  ];
  for (const f of ctrFilters) {
    const listed = (await d.client.call(ListContainers, f)).containers;
    assert.deepEqual(await collect(StreamContainers, f, (m) => m.containers), listed, JSON.stringify(f));
  }
  const byState = await collect(StreamContainers, ctrFilters[1] as object, (m: { containers: Container[] }) => m.containers);
  assert.deepEqual(ids(byState), [running]);
  assert.deepEqual(ids(await collect(StreamContainers, ctrFilters[2] as object, (m: { containers: Container[] }) => m.containers)), [created]);

  // Stats: the same objects (numbers move between two reads, so compare who is reported).
  const cs = await collect(StreamContainerStats, { filter: { podSandboxId: pod } }, (m) => m.containerStats);
  const csList = (await d.client.call(ListContainerStats, { filter: { podSandboxId: pod } })).stats;
  assert.deepEqual(cs.map((s) => s.attributes?.id).sort(), csList.map((s) => s.attributes?.id).sort());
  assert.deepEqual(cs.map((s) => s.attributes?.id).sort(), [running, created].sort());
  assert.ok(cs.find((s) => s.attributes?.id === running)?.memory?.workingSetBytes, 'live numbers of the running container');
  const ps = await collect(StreamPodSandboxStats, { filter: { labelSelector: { other: 'yes' } } }, (m) => m.podSandboxStats);
  const psList = (await d.client.call(ListPodSandboxStats, { filter: { labelSelector: { other: 'yes' } } })).stats;
  assert.deepEqual(ps.map((s) => s.attributes?.id), psList.map((s) => s.attributes?.id));
  assert.deepEqual(ps.map((s) => s.attributes?.id), [pod2]);

  // Images: all, and by reference.
  assert.deepEqual(await collect(StreamImages, {}, (m) => m.images), (await d.client.call(ListImages, {})).images);
  const one = await collect(StreamImages, { filter: { image: { image: busybox } } }, (m) => m.images);
  assert.equal(one.length, 1);
  assert.deepEqual(one[0]?.repoTags, [busybox]);
  assert.deepEqual(await collect(StreamImages, { filter: { image: { image: 'no-such-image:1' } } }, (m) => m.images), []);

  await d.client.call(RemovePodSandbox, { podSandboxId: pod });
  await d.client.call(RemovePodSandbox, { podSandboxId: pod2 });
});

it('a list larger than one message: ListPodSandbox fails, StreamPodSandboxes pages it', async () => {
  // Six pods with ~900 KiB of annotations each: ~5.4 MiB of list against a 4 MiB limit.
  const big = 'a'.repeat(900 * 1024);
  const made: string[] = [];
  for (let i = 0; i < 6; i++) {
    const { podSandboxId } = await d.client.call(RunPodSandbox, { config: cheapPod(`streams-big-${i}-${process.pid}`, { labels: { suite: 'big' }, annotations: { big } }) });
    made.push(podSandboxId);
  }
  await assert.rejects(d.client.call(ListPodSandbox, { filter: { labelSelector: { suite: 'big' } } }), (e: unknown) => {
    assert.ok(e instanceof GrpcStatusError);
    assert.equal(e.grpcCode, Code.ResourceExhausted);
    return true;
  });
  const messages = await collectMessages(StreamPodSandboxes, { filter: { labelSelector: { suite: 'big' } } }, (m) => m.podSandboxes);
  // berthd keeps each message within a quarter of its limit: one pod a message here.
  assert.ok(messages.length >= 6, `${messages.length} messages`);
  const all: PodSandbox[] = messages.flat();
  assert.deepEqual(ids(all), [...made].sort());
  for (const p of all) assert.equal(p.annotations.big?.length, big.length);
  for (const id of made) await d.client.call(RemovePodSandbox, { podSandboxId: id });
  assert.deepEqual(await collect(StreamPodSandboxes, { filter: { labelSelector: { suite: 'big' } } }, (m) => m.podSandboxes), []);
});
