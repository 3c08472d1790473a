// berthctl pod verbs: flag parsing and crictl's output shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodSandboxState } from '../../src/api/gen/api.js';
import { UsageError } from '../../src/cli/common/cli-context.js';
import { parseFlags } from '../../src/cli/berthctl/verbs/flags.js';
import { decodeInfo, goTimeString, humanDuration, podSandboxJson, podStatusJson, rfc3339Nano } from '../../src/cli/berthctl/verbs/pod-format.js';

const specs = {
  state: { kind: 'string', short: 's' },
  label: { kind: 'strings' },
  last: { kind: 'int', short: 'n' },
  quiet: { kind: 'bool', short: 'q' },
  all: { kind: 'bool', short: 'a' },
} as const;

test('flags: long, =, short, combined, repeated, anywhere', () => {
  const { flags, positional } = parseFlags('x', ['id1', '--state', 'ready', '--label=a=b', '--label', 'c=d', '-n', '3', '-qa', 'id2'], specs);
  assert.deepEqual(flags, { state: 'ready', label: ['a=b', 'c=d'], last: 3, quiet: true, all: true });
  assert.deepEqual(positional, ['id1', 'id2']);
  assert.deepEqual(parseFlags('x', ['-s=notready', '--', '-q'], specs), { flags: { state: 'notready' }, positional: ['-q'] });
  assert.throws(() => parseFlags('x', ['--bogus'], specs), UsageError);
  assert.throws(() => parseFlags('x', ['-qz'], specs), UsageError);
  assert.throws(() => parseFlags('x', ['--state'], specs), /needs a value/);
  assert.throws(() => parseFlags('x', ['-n', 'many'], specs), /not an integer/);
});

test("go-units' human durations", () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(59_000), '59 seconds');
  assert.equal(humanDuration(90_000), 'About a minute');
  assert.equal(humanDuration(5 * 60_000), '5 minutes');
  assert.equal(humanDuration(60 * 60_000), 'About an hour');
  assert.equal(humanDuration(3 * 3_600_000), '3 hours');
  assert.equal(humanDuration(3 * 86_400_000), '3 days');
  assert.equal(humanDuration(21 * 86_400_000), '3 weeks');
  assert.equal(humanDuration(90 * 86_400_000), '3 months');
  assert.equal(humanDuration(3 * 365 * 86_400_000), '3 years');
});

test('times: RFC 3339 with nanoseconds (zeros trimmed) and Go time.String', () => {
  assert.equal(rfc3339Nano(1_700_000_000_123_456_789n), '2023-11-14T22:13:20.123456789Z');
  assert.equal(rfc3339Nano(1_700_000_000_120_000_000n), '2023-11-14T22:13:20.12Z');
  assert.equal(rfc3339Nano(1_700_000_000_000_000_000n), '2023-11-14T22:13:20Z');
  assert.equal(goTimeString(1_700_000_000_123_456_789n), '2023-11-14 22:13:20.123456789 +0000 UTC');
});

test('JSON shapes emit default values as crictl does', () => {
  const pod = { id: 'p', metadata: { name: 'n', uid: '', namespace: 'ns', attempt: 0 }, state: PodSandboxState.SANDBOX_READY, createdAt: 5n, labels: {}, annotations: {}, runtimeHandler: '' };
  assert.deepEqual(podSandboxJson(pod), { id: 'p', metadata: { name: 'n', uid: '', namespace: 'ns', attempt: 0 }, state: 'SANDBOX_READY', createdAt: '5', labels: {}, annotations: {}, runtimeHandler: '' });
  const st = podStatusJson({ ...pod, createdAt: 1_700_000_000_000_000_000n, network: { ip: '10.0.0.2', additionalIps: [{ ip: 'fd::2' }] }, linux: { namespaces: { options: { network: 0, pid: 2, ipc: 0, targetId: '', usernsOptions: undefined } } } });
  assert.equal(st.createdAt, '2023-11-14T22:13:20Z');
  assert.deepEqual(st.network, { ip: '10.0.0.2', additionalIps: [{ ip: 'fd::2' }] });
  assert.deepEqual((st.linux as { namespaces: { options: unknown } }).namespaces.options, { network: 'POD', pid: 'NODE', ipc: 'POD', targetId: '' });
  assert.deepEqual(decodeInfo({ info: '{"a":1}', b: '"quoted"', c: 'plain' }), { b: 'quoted', c: 'plain', info: { a: 1 } });
});
