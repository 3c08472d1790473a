// The pure parts of src/observe: the call record (Op) and its async context,
// timeline entries and their bounds, the pull failure causes, the metrics
// listener's address rules, the [metrics]/[tracing] configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentOp, Op, phase, runInOp } from '../../src/observe/op.js';
import { appendEntries, entriesOfContainer, entryFromOp, MAX_ENTRIES, type TimelineEntry } from '../../src/observe/timeline.js';
import { pullFailureCause } from '../../src/observe/observer.js';
import { isLoopback, parseListen } from '../../src/observe/metrics-server.js';
import { PULL_FAILURE_CAUSES } from '../../src/observe/sinks.js';
import { BerthError, Code } from '../../src/util/errors.js';
import { StepTimer } from '../../src/util/step-timer.js';
import { checkValue } from '../../src/config/load.js';
import { SECTIONS } from '../../src/config/schema.js';

test('phases record into the call they run in, through awaits, with the failing layer', async () => {
  const op = new Op('RunPodSandbox');
  await runInOp(op, async () => {
    await phase('namespaces', Promise.resolve(1));
    await new Promise((r) => setTimeout(r, 1));
    assert.equal(currentOp(), op);
    await assert.rejects(
      phase('cni/bridge', async () => {
        throw new BerthError(Code.Internal, 'network', 'CNI plugin bridge ADD failed: stderr: boom');
      }, { parent: 'cni', attrs: { plugin: 'bridge' } }),
    );
    const steps = new StepTimer();
    steps.mark('rootfs');
  });
  assert.deepEqual(op.phases.map((p) => [p.name, p.parent, p.error?.layer]), [
    ['namespaces', undefined, undefined],
    ['cni/bridge', 'cni', 'network'],
    ['rootfs', undefined, undefined],
  ]);
  assert.match(op.phases[1]?.error?.message ?? '', /stderr: boom/);
  // Outside a call nothing is recorded and the work still runs.
  assert.equal(currentOp(), undefined);
  assert.equal(await phase('x', async () => 7), 7);
});

test('a timeline entry has phases as offsets from its start, sorted, and the error', () => {
  const op = new Op('RunPodSandbox');
  op.record('cni', op.t0 + 5, op.t0 + 25);
  op.record('namespaces', op.t0 + 1, op.t0 + 5);
  const e = entryFromOp('pod start', op, op.t0 + 30, { layer: 'network', message: 'network: boom' });
  assert.equal(e.ok, false);
  assert.equal(e.ms, 30);
  assert.deepEqual(e.phases?.map((p) => [p.name, p.startMs, p.ms]), [['namespaces', 1, 4], ['cni', 5, 20]]);
  assert.equal(e.error?.layer, 'network');
  const long = entryFromOp('pod start', op, op.t0 + 1, { layer: 'network', message: 'x'.repeat(5000) });
  assert.ok((long.error?.message.length ?? 0) < 1600, 'messages are clipped');
});

test('the timeline keeps the newest entries in time order, bounded', () => {
  let list: TimelineEntry[] = [];
  for (let i = 0; i < MAX_ENTRIES + 10; i++) list = appendEntries(list, { at: 1000 + i, kind: 'container exit', ok: true, container: i % 2 ? 'a' : 'b' });
  assert.equal(list.length, MAX_ENTRIES);
  assert.equal(list[0]?.at, 1010);
  assert.deepEqual(appendEntries([{ at: 5, kind: 'pod start', ok: true }], { at: 3, kind: 'pod start', ok: false }).map((e) => e.at), [3, 5]);
  assert.ok(entriesOfContainer(list, 'a').every((e) => e.container === 'a'));
});

test('pull failures map onto a fixed set of causes', () => {
  const seen = new Set<string>();
  for (let c = 0; c <= 16; c++) seen.add(pullFailureCause(c as Code));
  for (const c of seen) assert.ok((PULL_FAILURE_CAUSES as readonly string[]).includes(c), c);
  assert.equal(pullFailureCause(Code.NotFound), 'not_found');
  assert.equal(pullFailureCause(Code.Unauthenticated), 'unauthorized');
  assert.equal(pullFailureCause(Code.Unavailable), 'unreachable');
  assert.equal(pullFailureCause(Code.DataLoss), 'bad_content');
  assert.equal(pullFailureCause(Code.ResourceExhausted), 'no_space');
});

test('metrics listen addresses: host:port, loopback by default', () => {
  assert.deepEqual(parseListen('127.0.0.1:9537'), { host: '127.0.0.1', port: 9537 });
  assert.deepEqual(parseListen('[::1]:9537'), { host: '::1', port: 9537 });
  assert.throws(() => parseListen('9537'), /must be host:port/);
  assert.ok(isLoopback('127.0.0.1') && isLoopback('127.1.2.3') && isLoopback('::1') && isLoopback('localhost'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('10.0.0.1') && !isLoopback('::'));
});

test('[metrics] and [tracing] options are checked', () => {
  const m = SECTIONS.metrics as NonNullable<(typeof SECTIONS)['metrics']>;
  const t = SECTIONS.tracing as NonNullable<(typeof SECTIONS)['tracing']>;
  assert.equal(checkValue(m.listen as never, '127.0.0.1:9537'), undefined);
  assert.match(checkValue(m.listen as never, 'localhost') ?? '', /host:port/);
  assert.equal(checkValue(t.sampling_rate as never, 0.25), undefined);
  assert.match(checkValue(t.sampling_rate as never, 1.5) ?? '', /0 to 1/);
  assert.match(checkValue(t.endpoint as never, 'localhost:4318') ?? '', /http/);
  assert.equal(checkValue(t.endpoint as never, ''), undefined);
});

test('the timeline renders a bar per phase on the call\'s scale, plugins under cni, the error once', async () => {
  const { bar, renderTimeline } = await import('../../src/observe/timeline-render.js');
  assert.equal(bar(0, 100, 100), '█'.repeat(32));
  assert.equal(bar(50, 50, 100), `${' '.repeat(16)}${'█'.repeat(16)}`);
  assert.equal(bar(99, 0, 100).trim(), '█', 'a 0 ms phase still shows');
  const err = { layer: 'network', message: 'network: CNI plugin flaky ADD failed; stderr: boom' };
  const text = renderTimeline([
    {
      at: Date.UTC(2026, 11, 7, 18, 0, 0),
      kind: 'pod start',
      ok: false,
      ms: 100,
      phases: [
        { name: 'cni/flaky', parent: 'cni', startMs: 40, ms: 60, error: err },
        { name: 'namespaces', startMs: 0, ms: 10 },
        { name: 'cni', startMs: 10, ms: 90, error: err },
        { name: 'cni/bridge', parent: 'cni', startMs: 10, ms: 30 },
      ],
      error: err,
    },
    { at: Date.UTC(2026, 11, 7, 18, 0, 1), kind: 'container exit', ok: false, container: 'app', attempt: 1, exitCode: 137, reason: 'OOMKilled' },
  ]);
  const lines = text.split('\n');
  assert.equal(lines[1], '  18:00:00.000Z  pod start       FAILED in 100.0 ms');
  assert.deepEqual(lines.slice(2, 6).map((l) => l.trim().split(/\s+/)[0]), ['namespaces', 'cni', 'bridge', 'flaky']);
  assert.equal(lines.filter((l) => l.includes('✗ network: CNI plugin flaky')).length, 1);
  assert.match(text, /container exit  app#1  exit code 137 \(OOMKilled\)/);
});

test('berth events: CRI events in docker terms, pods by their own id, filters by key', async () => {
  const { toBerthEvent, eventLine, parseFilters } = await import('../../src/cli/berth/verbs/events.js');
  const { ContainerEventType, ContainerState } = await import('../../src/api/gen/api.js');
  const podStatus = { id: 'p1', metadata: { name: 'web', namespace: 'berth', uid: 'u', attempt: 0 } } as never;
  const pod = toBerthEvent({ containerId: 'p1', containerEventType: ContainerEventType.CONTAINER_STOPPED_EVENT, createdAt: 1_765_130_400_123_000_000n, podSandboxStatus: podStatus, containersStatuses: [] });
  assert.deepEqual(pod, { time: '2025-12-07T18:00:00.123Z', type: 'pod', action: 'stop', id: 'p1', attributes: { name: 'berth/web' } });
  const status = { id: 'c1', metadata: { name: 'app', attempt: 0 }, labels: {}, image: { image: 'busybox' }, exitCode: 137, reason: 'OOMKilled', state: ContainerState.CONTAINER_EXITED } as never;
  const die = toBerthEvent({ containerId: 'c1', containerEventType: ContainerEventType.CONTAINER_STOPPED_EVENT, createdAt: 1_765_130_400_000_000_000n, podSandboxStatus: podStatus, containersStatuses: [status] });
  assert.equal(eventLine(die), '2025-12-07T18:00:00Z container die c1 (name=app, pod=berth/web, image=busybox, exitCode=137, reason=OOMKilled)');
  assert.ok(parseFilters(['type=container', 'event=die', 'event=start'])(die));
  assert.ok(!parseFilters(['type=pod'])(die));
  assert.ok(parseFilters(['pod=web'])(die) && parseFilters(['pod=berth/web'])(pod) && parseFilters(['pod=p1'])(pod));
  assert.ok(parseFilters(['container=app'])(die) && !parseFilters(['container=app'])(pod));
  assert.throws(() => parseFilters(['colour=red']), /bad --filter "colour=red"/);
});
