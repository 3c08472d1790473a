// The polled answers' encoders (src/api/response-encoders.ts) give the bytes
// of the generated encoder, with kept (frozen) parts, fresh parts and a mix;
// the kept per-record messages (src/cri/container-mapping.ts, pod-mapping.ts)
// are rebuilt exactly when a field they are made of changes; ListContainers'
// filter still filters by id prefix, pod id prefix, state and labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Container as ContainerFns,
  ContainerConfig,
  ContainerState,
  PodSandboxState,
  type Container,
  type ContainerStatus,
  type PodSandbox,
  type PodSandboxStatus,
} from '../../src/api/gen/api.js';
import { methods, type MethodName, type ResponseOf } from '../../src/api/method-table.js';
import { encodedOnce, responseEncoder } from '../../src/api/response-encoders.js';
import type { ContainerRecord } from '../../src/container/record.js';
import { containerMessage, containerStatusMessage, keptConfigOf, matchesContainerFilter, toContainer, toStatus } from '../../src/cri/container-mapping.js';
import { podSandboxMessage, podSandboxStatusMessage, toPodSandbox, toPodSandboxStatus } from '../../src/cri/pod-mapping.js';
import type { PodRecord } from '../../src/pod/sandbox-store.js';
import { DerivedCache } from '../../src/util/derived-cache.js';

const POD = 'a1'.repeat(32);

function record(i: number, over: Partial<ContainerRecord> = {}): ContainerRecord {
  const config = ContainerConfig.fromPartial({
    metadata: { name: `c${i}`, attempt: i % 3 },
    image: { image: 'busybox', annotations: { k: `v${i}` } },
    labels: { app: i % 2 ? 'odd' : 'even', 'io.kubernetes.pod.name': `p${i}` },
    annotations: { note: 'ü'.repeat(i) },
    mounts: [{ containerPath: '/data', hostPath: `/srv/${i}`, readonly: i % 2 === 0 }],
    stopSignal: 0,
  });
  return {
    id: `${String(i).padStart(2, '0')}${'c'.repeat(62)}`,
    podId: i % 3 === 0 ? POD : 'b2'.repeat(32),
    name: `c${i}_p_ns_uid_0`,
    configPb: Buffer.from(ContainerConfig.encode(config).finish()).toString('base64'),
    imageId: `sha256:${'1'.repeat(64)}`,
    imageRef: `reg/busybox@sha256:${'2'.repeat(64)}`,
    imageSpec: 'reg/busybox:latest',
    runtimeHandler: '',
    state: i % 4 === 0 ? 'exited' : 'running',
    createdAt: `${1_765_000_000_000_000_000n + BigInt(i)}`,
    startedAt: `${1_765_000_000_100_000_000n + BigInt(i)}`,
    finishedAt: i % 4 === 0 ? `${1_765_000_001_000_000_000n}` : '0',
    exitCode: i % 4 === 0 ? 137 : 0,
    reason: i % 4 === 0 ? 'Error' : '',
    message: '',
    pid: 1000 + i,
    logPath: `/var/log/pods/p${i}/c${i}.log`,
    conmonLogPath: `/var/log/pods/p${i}/c${i}.log`,
    stopSignal: '',
    user: { uid: i, gid: i + 1, additionalGids: [10, 20 + i] },
    resourcesJson: JSON.stringify({ cpu: { shares: 2 + i, quota: 50_000, period: 100_000 }, memory: { limit: 1 << 26 } }),
    cgroupsPath: `/berth/${i}`,
    ...over,
  };
}

function pod(i: number, over: Partial<PodRecord> = {}): PodRecord {
  return {
    id: `${String(i).padStart(2, '0')}${'d'.repeat(62)}`,
    metadata: { name: `p${i}`, uid: `u${i}`, namespace: 'default', attempt: 0 },
    labels: { app: `a${i}` },
    annotations: { x: 'y' },
    config: {},
    runtimeHandler: '',
    createdAt: `${1_765_000_000_000_000_000n + BigInt(i)}`,
    phase: i % 5 === 0 ? 'stopped' : 'ready',
    bootId: 'boot',
    namespaces: { network: 0, pid: 1, ipc: 0, targetId: '' },
    pins: {},
    hostname: `p${i}`,
    files: { dir: '/x', hostname: '/x/h', hosts: '/x/hosts', resolv: '/x/r', shm: '/x/shm' },
    ownShm: true,
    cgroupParent: '',
    ips: [`10.0.0.${i + 2}`, `fd00::${i + 2}`],
    ...over,
  } as PodRecord;
}

function sameBytes<M extends MethodName>(m: M, res: ResponseOf<M>): void {
  const enc = responseEncoder(m);
  assert.ok(enc, `${m} has a kept-parts encoder`);
  const want = Buffer.from((methods[m].response as { encode(r: ResponseOf<M>): { finish(): Uint8Array } }).encode(res).finish());
  assert.deepEqual(Buffer.from(enc(res)), want, m);
  // Twice: the kept encodings give the same bytes again.
  assert.deepEqual(Buffer.from(enc(res)), want, `${m}, again`);
}

test('ListContainers: kept, fresh and mixed items encode as the generated encoder does', () => {
  const recs = Array.from({ length: 12 }, (_, i) => record(i));
  const kept: Container[] = recs.map(containerMessage);
  const fresh: Container[] = recs.map((r) => toContainer(r, keptConfigOf(r)));
  sameBytes('ListContainers', { containers: kept });
  sameBytes('ListContainers', { containers: fresh });
  sameBytes('ListContainers', { containers: kept.map((c, i) => (i % 2 ? c : fresh[i]!)) });
  sameBytes('ListContainers', { containers: [] });
});

test('ListPodSandbox: kept and fresh items encode as the generated encoder does', () => {
  const pods = Array.from({ length: 7 }, (_, i) => pod(i));
  sameBytes('ListPodSandbox', { items: pods.map(podSandboxMessage) });
  sameBytes('ListPodSandbox', { items: pods.map(toPodSandbox) });
  sameBytes('ListPodSandbox', { items: [] });
});

test('ContainerStatus: kept status with and without a verbose info map', () => {
  for (const i of [0, 1, 5]) {
    const r = record(i);
    sameBytes('ContainerStatus', { status: containerStatusMessage(r), info: {} });
    sameBytes('ContainerStatus', { status: containerStatusMessage(r), info: { info: '{"pid":1}', timeline: '[]' } });
    sameBytes('ContainerStatus', { status: toStatus(r, keptConfigOf(r)), info: {} });
  }
  sameBytes('ContainerStatus', { status: undefined, info: { a: 'b' } });
});

test('PodSandboxStatus: kept status and container statuses, info, timestamp, in field order', () => {
  const recs = [record(0), record(3), record(6)];
  for (const i of [1, 5]) {
    const p = pod(i);
    const statuses: ContainerStatus[] = recs.map(containerStatusMessage);
    sameBytes('PodSandboxStatus', { status: podSandboxStatusMessage(p), info: {}, containersStatuses: statuses, timestamp: 1_765_000_123_000_000_000n });
    sameBytes('PodSandboxStatus', { status: podSandboxStatusMessage(p), info: { info: '{}' }, containersStatuses: [], timestamp: 0n });
    sameBytes('PodSandboxStatus', { status: toPodSandboxStatus(p), info: { info: '{}' }, containersStatuses: recs.map((r) => toStatus(r, keptConfigOf(r))), timestamp: 5n });
  }
  assert.throws(() => responseEncoder('PodSandboxStatus')!({ status: undefined, info: {}, containersStatuses: [], timestamp: 1n << 64n }), /too large|int64/);
});

test('encodedOnce keeps the encoding of a frozen message only', () => {
  const r = record(1);
  const frozen = containerMessage(r);
  assert.ok(Object.isFrozen(frozen));
  assert.equal(encodedOnce(frozen, ContainerFns), encodedOnce(frozen, ContainerFns), 'the same bytes object for a frozen message');
  const open = toContainer(r, keptConfigOf(r));
  assert.notEqual(encodedOnce(open, ContainerFns), encodedOnce(open, ContainerFns), 'a message that may change is encoded each time');
  assert.deepEqual(encodedOnce(open, ContainerFns), encodedOnce(frozen, ContainerFns));
});

test('kept container messages: the same object while unchanged, rebuilt when a field they are made of changes', () => {
  const r = record(2);
  const c1 = containerMessage(r);
  const s1 = containerStatusMessage(r);
  assert.equal(containerMessage(r), c1);
  assert.equal(containerStatusMessage(r), s1);
  assert.deepEqual(c1, toContainer(r, keptConfigOf(r)));
  assert.deepEqual(s1, toStatus(r, keptConfigOf(r)));

  // The manager edits records in place: exit.
  r.state = 'exited';
  r.exitCode = 1;
  r.finishedAt = '1765000009000000000';
  r.reason = 'Error';
  const c2 = containerMessage(r);
  const s2 = containerStatusMessage(r);
  assert.notEqual(c2, c1);
  assert.equal(c2.state, ContainerState.CONTAINER_EXITED);
  assert.equal(s2.exitCode, 1);
  assert.equal(s2.finishedAt, 1_765_000_009_000_000_000n);
  assert.deepEqual(s2, toStatus(r, keptConfigOf(r)));

  // A field only the status is made of: the list item stays, the status is rebuilt.
  r.resourcesJson = JSON.stringify({ memory: { limit: 1 << 27 } });
  assert.equal(containerMessage(r), c2);
  const s3 = containerStatusMessage(r);
  assert.notEqual(s3, s2);
  assert.equal(s3.resources?.linux?.memoryLimitInBytes, BigInt(1 << 27));
  r.user = { uid: 7, gid: 7, additionalGids: [] };
  assert.equal(containerStatusMessage(r).user?.linux?.uid, 7n);
  r.message = 'gone';
  assert.equal(containerStatusMessage(r).message, 'gone');
});

test('kept pod messages: rebuilt on phase and IP changes', () => {
  const p = pod(1);
  const a = podSandboxMessage(p);
  const s = podSandboxStatusMessage(p);
  assert.equal(podSandboxMessage(p), a);
  assert.deepEqual(a, toPodSandbox(p));
  assert.deepEqual(s, toPodSandboxStatus(p));
  p.phase = 'stopped';
  assert.equal(podSandboxMessage(p).state, PodSandboxState.SANDBOX_NOTREADY);
  assert.equal(podSandboxStatusMessage(p).network?.ip, '', 'a pod that is not ready reports no IP');
  p.phase = 'ready';
  p.ips = ['10.9.9.9'];
  const s2: PodSandboxStatus = podSandboxStatusMessage(p);
  assert.equal(s2.network?.ip, '10.9.9.9');
  assert.deepEqual(s2.network?.additionalIps, []);
  const items: PodSandbox[] = [podSandboxMessage(p)];
  assert.equal(items[0]?.state, PodSandboxState.SANDBOX_READY);
});

test('ListContainers filter: id prefix, pod id prefix, state, label selector', () => {
  const recs = Array.from({ length: 8 }, (_, i) => record(i));
  const ids = (f: Parameters<typeof matchesContainerFilter>[1]): string[] => recs.filter((r) => matchesContainerFilter(r, f)).map((r) => r.id.slice(0, 2));
  assert.deepEqual(ids(undefined), ['00', '01', '02', '03', '04', '05', '06', '07']);
  assert.deepEqual(ids({ id: '03', podSandboxId: '', state: undefined, labelSelector: {} }), ['03']);
  assert.deepEqual(ids({ id: '', podSandboxId: POD.slice(0, 6), state: undefined, labelSelector: {} }), ['00', '03', '06']);
  assert.deepEqual(ids({ id: '', podSandboxId: '', state: { state: ContainerState.CONTAINER_EXITED }, labelSelector: {} }), ['00', '04']);
  assert.deepEqual(ids({ id: '', podSandboxId: '', state: { state: ContainerState.CONTAINER_RUNNING }, labelSelector: { app: 'odd' } }), ['01', '03', '05', '07']);
  assert.deepEqual(ids({ id: '', podSandboxId: '', state: undefined, labelSelector: { app: 'odd', 'io.kubernetes.pod.name': 'p5' } }), ['05']);
  assert.deepEqual(ids({ id: 'zz', podSandboxId: '', state: undefined, labelSelector: {} }), []);
});

test('DerivedCache rebuilds only when a listed field is no longer the same', () => {
  let builds = 0;
  const cache = new DerivedCache<{ a: number; b: object }, string>(
    (r) => [r.a, r.b],
    (r) => {
      builds++;
      return `v${r.a}`;
    },
  );
  const r = { a: 1, b: {} };
  assert.equal(cache.get(r), 'v1');
  assert.equal(cache.get(r), 'v1');
  assert.equal(builds, 1);
  r.a = 2;
  assert.equal(cache.get(r), 'v2');
  r.b = {};
  cache.get(r);
  assert.equal(builds, 3);
  assert.equal(cache.get({ a: 2, b: r.b }), 'v2', 'another record is built on its own');
  assert.equal(builds, 4);
});
