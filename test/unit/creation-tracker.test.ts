// The retry bookkeeping RunPodSandbox and CreateContainer share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreationTracker } from '../../src/util/creation-tracker.js';

function deferred(): { promise: Promise<string>; resolve: (v: string) => void; reject: (e: Error) => void } {
  let resolve!: (v: string) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

test('a retry waits for the creation in flight and takes the id its gone caller never got, once', async () => {
  const t = new CreationTracker();
  const d = deferred();
  const caller = new AbortController();
  const first = t.run('k', () => d.promise, caller.signal);
  assert.equal(t.pending('k'), first);
  caller.abort(); // the client's deadline
  const retry = t.retry('k');
  d.resolve('id-1');
  assert.equal(await retry, 'id-1');
  assert.equal(t.pending('k'), undefined);
  assert.equal(await t.retry('k'), undefined, 'only once');
});

test('an id returned to its caller is never handed over; a failed creation hands over nothing', async () => {
  const t = new CreationTracker();
  await t.run('a', async () => 'id-a', new AbortController().signal);
  assert.equal(await t.retry('a'), undefined);
  const d = deferred();
  const gone = new AbortController();
  gone.abort();
  const p = t.run('b', () => d.promise, gone.signal).catch(() => 'failed');
  const r = t.retry('b');
  d.reject(new Error('boom'));
  assert.equal(await p, 'failed');
  assert.equal(await r, undefined);
});

test('a retry whose own caller gave up while waiting leaves the id for the next; forget drops it', async () => {
  const t = new CreationTracker();
  const d = deferred();
  const first = new AbortController();
  void t.run('k', () => d.promise, first.signal);
  first.abort();
  const second = new AbortController();
  const r = t.retry('k', second.signal);
  second.abort();
  d.resolve('id');
  assert.equal(await r, undefined);
  assert.equal(t.claim('k'), 'id');
  void t.run('j', async () => 'id-j', AbortSignal.abort());
  await new Promise((res) => setImmediate(res));
  t.forget('j');
  assert.equal(t.claim('j'), undefined);
});
