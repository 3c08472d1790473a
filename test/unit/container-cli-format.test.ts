// berthctl container verbs without a runtime: crictl's JSON shapes (default
// values emitted, enums by name, int64 as strings), the ps table, inspect's
// document, stats arithmetic and sizes, the go-template subset, flag helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Container, ContainerState, ContainerStats, ContainerStatus, PodSandboxStats } from '../../src/api/gen/api.js';
import { renderTemplate, TemplateError, validateTemplate } from '../../src/cli/common/go-template.js';
import {
  CONTAINER_ENUMS,
  containerStatusJson,
  inspectDocument,
  inspectTable,
  protoJson,
  psTable,
  psVerbose,
  sortKeysDeep,
} from '../../src/cli/berthctl/verbs/container-format.js';
import { parseLabels } from '../../src/cli/berthctl/verbs/container-list.js';
import { table } from '../../src/cli/berthctl/verbs/image-format.js';
import { previousLogPath } from '../../src/cli/berthctl/verbs/logs.js';
import { containerStatsTable, humanSize4, podStatsTable, StaleSampleError } from '../../src/cli/berthctl/verbs/stats-format.js';

const ID = 'a'.repeat(64);
const POD = 'b'.repeat(64);
const SEC = 1_000_000_000n;
const NOW_MS = 1_700_000_100_000;

const ctr = Container.fromPartial({
  id: ID,
  podSandboxId: POD,
  metadata: { name: 'web', attempt: 2 },
  image: { image: 'registry.local/busybox:1.36' },
  imageRef: 'sha256:' + 'c'.repeat(64),
  state: ContainerState.CONTAINER_RUNNING,
  createdAt: 1_700_000_000n * SEC,
  labels: { 'io.kubernetes.pod.name': 'p1', 'io.kubernetes.pod.namespace': 'ns1', app: 'x' },
});

test('protobuf-JSON with defaults: enums by name, int64 as strings, unset messages left out', () => {
  const j = protoJson(Container.fromPartial({ id: 'x' }), CONTAINER_ENUMS) as Record<string, unknown>;
  assert.deepEqual(j, { id: 'x', podSandboxId: '', imageRef: '', state: 'CONTAINER_CREATED', createdAt: '0', labels: {}, annotations: {}, imageId: '' });
  const s = protoJson(ContainerStats.fromPartial({ cpu: { timestamp: 5n, usageCoreNanoSeconds: { value: 7n } } })) as { cpu: unknown };
  assert.deepEqual(s.cpu, { timestamp: '5', usageCoreNanoSeconds: { value: '7' } });
  assert.deepEqual(sortKeysDeep({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 0 } }), { a: { c: 0, d: [{ y: 2, z: 1 }] }, b: 1 });
  assert.deepEqual(Object.keys(sortKeysDeep({ b: 1, a: 2 }) as object), ['a', 'b']);
});

test("ps table: crictl's columns, truncation, pod name/namespace from the kubelet's labels", () => {
  const noLabels = Container.fromPartial({ ...ctr, id: 'd'.repeat(64), labels: {}, image: { image: 'sha256:' + 'e'.repeat(64) }, state: ContainerState.CONTAINER_EXITED });
  const rows = psTable([ctr, noLabels], { noTrunc: false, nowMs: NOW_MS });
  assert.deepEqual(rows[0], ['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD', 'NAMESPACE']);
  assert.deepEqual(rows[1], ['a'.repeat(13), 'registry.local/busybox:1.36', 'About a minute ago', 'Running', 'web', '2', 'b'.repeat(13), 'p1', 'ns1']);
  assert.deepEqual(rows[2]!.slice(1, 4), ['e'.repeat(13), 'About a minute ago', 'Exited']);
  assert.deepEqual(rows[2]!.slice(7), ['unknown', 'unknown']);
  assert.equal(psTable([noLabels], { noTrunc: true, nowMs: NOW_MS })[1]![1], 'sha256:' + 'e'.repeat(64));
  const text = table(rows).split('\n');
  assert.match(text[0]!, /^CONTAINER\s{11}IMAGE\s+CREATED\s+STATE\s+NAME\s+ATTEMPT\s+POD ID\s+POD\s+NAMESPACE$/);
  assert.equal(text[1]!.indexOf('registry.local'), 20, "tabwriter's minimum width 20");
  assert.equal(psVerbose(ctr, NOW_MS), `ID: ${ID}\nPodID: ${POD}\nNamespace: ns1\nName: web\nAttempt: 2\nState: Running\nImage: registry.local/busybox:1.36\nCreated: About a minute ago\nLabels:\n\tapp -> x\n\tio.kubernetes.pod.name -> p1\n\tio.kubernetes.pod.namespace -> ns1\n\n`);
});

test("inspect: status times as RFC 3339 (zero time when not reached), info decoded, keys sorted", () => {
  const created = ContainerStatus.fromPartial({ id: ID, state: ContainerState.CONTAINER_CREATED, createdAt: 1_700_000_000n * SEC + 5n, mounts: [{ containerPath: '/a', propagation: 2 }], resources: { linux: { cpuQuota: 50000n } } });
  const j = containerStatusJson(created) as { createdAt: string; startedAt: string; finishedAt: string; state: string; stopSignal: string; mounts: { propagation: string }[]; resources: { linux: { cpuQuota: string } } };
  assert.equal(j.createdAt, '2023-11-14T22:13:20.000000005Z');
  assert.equal(j.startedAt, '0001-01-01T00:00:00Z');
  assert.equal(j.finishedAt, '0001-01-01T00:00:00Z');
  assert.equal(j.state, 'CONTAINER_CREATED');
  assert.equal(j.stopSignal, 'RUNTIME_DEFAULT');
  assert.equal(j.mounts[0]!.propagation, 'PROPAGATION_BIDIRECTIONAL');
  assert.equal(j.resources.linux.cpuQuota, '50000');
  const exited = ContainerStatus.fromPartial({ id: ID, state: ContainerState.CONTAINER_EXITED, createdAt: 1n, startedAt: 2n * SEC, finishedAt: 3n * SEC, exitCode: 3, labels: { b: '1', a: '2' } });
  const doc = inspectDocument(exited, { info: '{"pid":42,"sandboxID":"p"}', plain: '"quoted"' }, true) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(doc), ['info', 'plain', 'status']);
  assert.deepEqual(doc.info, { pid: 42, sandboxID: 'p' });
  assert.equal(doc.plain as unknown, 'quoted');
  assert.equal(doc.status!.finishedAt, '1970-01-01T00:00:03Z');
  assert.equal(doc.status!.exitCode, 3);
  assert.deepEqual(Object.keys(doc.status!.labels as object), ['a', 'b']);
  assert.deepEqual(Object.keys(inspectDocument(exited, { info: '{}' }, false) as object), ['status']);
  const t = inspectTable(exited, { info: '{"pid":1}' }, true, 10_000);
  assert.match(t, /^ID: a{64}\nState: CONTAINER_EXITED\nCreated: 10 seconds ago\nStarted: 8 seconds ago\nFinished: 7 seconds ago\nExit Code: 3\nLabels:\n\ta -> 2\n\tb -> 1\nInfo: map\[info:\{"pid":1\}\]$/);
});

test("stats: CPU % from two samples, go-units' HumanSize, idle and new containers left out", () => {
  assert.equal(humanSize4(0), '0B');
  assert.equal(humanSize4(999), '999B');
  assert.equal(humanSize4(4096), '4.096kB');
  assert.equal(humanSize4(1_234_567), '1.235MB');
  assert.equal(humanSize4(12_000_000_000), '12GB');
  const s = (id: string, ts: bigint, cpu: bigint, mem: bigint) =>
    ContainerStats.fromPartial({ attributes: { id, metadata: { name: `n-${id[0]}` } }, cpu: { timestamp: ts, usageCoreNanoSeconds: { value: cpu } }, memory: { workingSetBytes: { value: mem } }, writableLayer: { usedBytes: { value: 8192n }, inodesUsed: { value: 3n } } });
  const before = [s(ID, 1n * SEC, 1n * SEC, 1000n), s('f'.repeat(64), SEC, 0n, 0n)];
  const after = [s('f'.repeat(64), 2n * SEC, 0n, 0n), s(ID, 3n * SEC, 2n * SEC, 2_000_000n), s('9'.repeat(64), 3n * SEC, 5n, 5n)];
  const rows = containerStatsTable(before, after, false);
  assert.deepEqual(rows, [
    ['CONTAINER', 'NAME', 'CPU %', 'MEM', 'DISK', 'INODES', 'SWAP'],
    ['a'.repeat(13), 'n-a', '50.00', '2MB', '8.192kB', '3', '0B'],
  ]);
  assert.equal(containerStatsTable(before, after, true).length, 3, '-a keeps the idle one (not the one without a first sample)');
  assert.throws(() => containerStatsTable([s(ID, SEC, SEC, 1n)], [s(ID, SEC, 2n * SEC, 1n)], false), StaleSampleError);
  const p = (ts: bigint, cpu: bigint) => PodSandboxStats.fromPartial({ attributes: { id: POD, metadata: { name: 'pod1' } }, linux: { cpu: { timestamp: ts, usageCoreNanoSeconds: { value: cpu } }, memory: { workingSetBytes: { value: 1_500_000n } } } });
  assert.deepEqual(podStatsTable([p(SEC, SEC)], [p(2n * SEC, SEC + SEC / 4n)]), [['POD', 'POD ID', 'CPU %', 'MEM'], ['pod1', 'b'.repeat(13), '25.00', '1.5MB']]);
});

test('go-template subset: fields, pipelines, functions, range/if/with/else, trim markers, missing keys', () => {
  const data = { status: { id: 'abc', labels: { b: '2', a: '1' }, mounts: [{ p: '/x' }, { p: '/y' }], n: 0, name: 'hello world' }, info: null };
  assert.equal(renderTemplate('{{.status.id}}', data), 'abc');
  assert.equal(renderTemplate('{{ .status.name | title }} {{upper .status.id}}', data), 'Hello World ABC');
  assert.equal(renderTemplate('{{json .status.labels}}', data), '{"b":"2","a":"1"}\n');
  assert.equal(renderTemplate('{{range .status.mounts}}{{.p}},{{end}}', data), '/x,/y,');
  assert.equal(renderTemplate('{{range .status.labels}}{{.}}{{end}}', data), '12', 'maps range in key order');
  assert.equal(renderTemplate('{{if .status.n}}yes{{else}}no{{end}}', data), 'no');
  assert.equal(renderTemplate('{{with .status}}{{.id}}{{end}}', data), 'abc');
  assert.equal(renderTemplate('a  {{- .status.id -}}  b', data), 'aabcb');
  assert.equal(renderTemplate('{{.status.labels}} {{.info}} {{len .status.mounts}} {{index .status.labels "a"}}', data), 'map[a:1 b:2] <no value> 2 1');
  assert.throws(() => renderTemplate('{{.status.nope}}', data), /map has no entry for key "nope"/);
  assert.throws(() => validateTemplate('{{if .x}}'), TemplateError);
  assert.throws(() => validateTemplate('{{end}}'), TemplateError);
});

test('labels flag and --previous log path', () => {
  assert.deepEqual(parseLabels(['a=b', 'c=']), { a: 'b', c: '' });
  assert.throws(() => parseLabels(['a=b=c']), /incorrectly specified label: a=b=c/);
  assert.throws(() => parseLabels(['nolabel']), /incorrectly specified label/);
  assert.equal(previousLogPath('/var/log/pods/x/ctr/3.log', 3, 'ctr'), '/var/log/pods/x/ctr/2.log');
  assert.throws(() => previousLogPath('/l/0.log', 0, 'ctr'), /previous terminated container "ctr" not found/);
});
