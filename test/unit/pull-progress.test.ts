import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayerState, PullProgress } from '../../src/api/gen/berth.js';
import { PullDisplay, bar, duration, shortDigest } from '../../src/cli/berth/pull-display.js';
import { PullProgressRegistry } from '../../src/image/pull-progress.js';
import { requestedTag } from '../../src/cli/berth/verbs/pull.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

test('PullTracker: present layers count as fetched, a retry starts from zero, done fills, finish ends it', () => {
  const reg = new PullProgressRegistry();
  const t = reg.begin('docker.io/library/x:latest');
  assert.equal(reg.get('docker.io/library/x:latest'), t);
  t.setLayers([
    { digest: A, size: 100, present: true },
    { digest: B, size: 200, present: false },
  ]);
  t.opened(1);
  t.bytes(1, 50);
  assert.deepEqual(t.snapshot().layers.map((l) => [l.state, l.fetched]), [['present', 100], ['downloading', 50]]);
  t.opened(1); // a retry after a cut download
  t.bytes(1, 10);
  assert.equal(t.snapshot().layers[1]?.fetched, 10);
  t.layerDone(1);
  t.layerDone(0);
  assert.deepEqual(t.snapshot().layers.map((l) => [l.state, l.fetched]), [['present', 100], ['done', 200]]);
  assert.equal(t.snapshot().finished, false);
  // A second pull of the same reference replaces the first; ending the first keeps it.
  const t2 = reg.begin('docker.io/library/x:latest');
  reg.end(t);
  assert.equal(t.finished, true);
  assert.equal(reg.get('docker.io/library/x:latest'), t2);
  // A finished pull stays visible a moment, for a watcher that comes late.
  reg.end(t2);
  assert.equal(reg.get('docker.io/library/x:latest'), t2);
  assert.equal(reg.get('docker.io/library/x:latest')?.snapshot().finished, true);
});

test('PullDisplay: terminal lines with bar, bytes, rate and ETA; plain lines on state changes only', () => {
  const p = (fetchedB: number, stateB: LayerState, elapsed: number) =>
    PullProgress.fromPartial({
      reference: 'r',
      elapsedMs: BigInt(elapsed),
      layers: [
        { digest: A, size: 1000n, fetched: 1000n, state: LayerState.PRESENT },
        { digest: B, size: 4_000_000n, fetched: BigInt(fetchedB), state: stateB },
        { digest: C, size: 2_000_000n, fetched: 0n, state: LayerState.WAITING },
      ],
    });
  const d = new PullDisplay();
  d.lines(p(0, LayerState.DOWNLOADING, 0), 0);
  const lines = d.lines(p(1_000_000, LayerState.DOWNLOADING, 1000), 1000);
  assert.equal(lines[0], 'aaaaaaaaaaaa: Already exists');
  assert.equal(lines[1], `bbbbbbbbbbbb: Downloading    ${bar(1, 4)} 1MB/4MB  1MB/s  ETA 3s`);
  assert.equal(lines[2], 'cccccccccccc: Waiting        2MB');
  assert.equal(lines[3], 'Total: 1MB/6MB  1MB/s  ETA 5s  (1s elapsed)');
  const plain = new PullDisplay();
  assert.deepEqual(plain.changes(p(0, LayerState.DOWNLOADING, 0)), ['aaaaaaaaaaaa: Already exists', 'bbbbbbbbbbbb: Downloading 4MB', 'cccccccccccc: Waiting 2MB']);
  assert.deepEqual(plain.changes(p(10, LayerState.DOWNLOADING, 10)), []);
  assert.deepEqual(plain.changes(p(4_000_000, LayerState.DONE, 20)), ['bbbbbbbbbbbb: Pull complete']);
});

test('bar, duration, shortDigest', () => {
  assert.equal(bar(0, 10, 10), '[          ]');
  assert.equal(bar(5, 10, 10), '[====>     ]');
  assert.equal(bar(10, 10, 10), '[=========>]');
  assert.equal(bar(1, 0, 4), '[    ]');
  assert.equal(duration(59.4), '59s');
  assert.equal(duration(61), '1m01s');
  assert.equal(duration(7300), '2h01m');
  assert.equal(duration(Infinity), '--');
  assert.equal(shortDigest(A), 'aaaaaaaaaaaa');
});

test('requestedTag: the tag the request named, normalised as the runtime does', () => {
  const tags = ['127.0.0.1:45589/busybox:latest', 'docker.io/library/busybox:latest', 'docker.io/library/busybox:1.36', '127.0.0.1:37469/busybox:latest'];
  assert.equal(requestedTag('busybox', tags), 'docker.io/library/busybox:latest');
  assert.equal(requestedTag('busybox:1.36', tags), 'docker.io/library/busybox:1.36');
  assert.equal(requestedTag('127.0.0.1:37469/busybox', tags), '127.0.0.1:37469/busybox:latest');
  assert.equal(requestedTag('127.0.0.1:37469/busybox:latest', tags), '127.0.0.1:37469/busybox:latest');
  assert.equal(requestedTag('library/busybox', tags), 'docker.io/library/busybox:latest');
  assert.equal(requestedTag('other', tags), undefined);
});
