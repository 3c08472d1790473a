// The Stream* list RPCs: batching by encoded size and count, and each Stream
// handler answering exactly what its List handler answers, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallContext, Handlers } from '../../src/api/server.js';
import { DEFAULT_BATCH_LIMITS, listStreamHandlers, splitBatches } from '../../src/cri/list-streams.js';
import { PodSandbox, PodSandboxState, type Image } from '../../src/api/gen/api.js';

const ctx = (): CallContext => ({ signal: new AbortController().signal, method: 'StreamPodSandboxes' });

test('splitBatches: by count, by bytes, order kept, oversized items alone', () => {
  const n = (k: number): number[] => Array.from({ length: k }, (_, i) => i);
  assert.deepEqual(splitBatches([], () => 1, { maxBytes: 100, maxItems: 2 }), []);
  assert.deepEqual(splitBatches(n(5), () => 1, { maxBytes: 100, maxItems: 2 }), [[0, 1], [2, 3], [4]]);
  // Each item costs its size + 6 (tag and length prefix): 14 bytes, three fit in 45.
  assert.deepEqual(splitBatches(n(7), () => 8, { maxBytes: 45, maxItems: 100 }), [[0, 1, 2], [3, 4, 5], [6]]);
  // An item above the budget is sent alone rather than dropped.
  assert.deepEqual(splitBatches([1, 500, 2], (x) => x, { maxBytes: 100, maxItems: 100 }), [[1], [500], [2]]);
  const many = splitBatches(n(12_000), () => 10, DEFAULT_BATCH_LIMITS);
  assert.deepEqual(many.map((b) => b.length), [5000, 5000, 2000]);
  assert.deepEqual(many.flat(), n(12_000));
});

const pod = (id: string, note = ''): PodSandbox =>
  PodSandbox.fromPartial({ id, state: PodSandboxState.SANDBOX_READY, annotations: note ? { note } : {} });

test('StreamPodSandboxes passes the filter to ListPodSandbox and pages its answer', async () => {
  const seen: unknown[] = [];
  const items = [pod('a', 'x'.repeat(300)), pod('b', 'y'.repeat(300)), pod('c')];
  const h: Handlers = {
    ListPodSandbox: async (req) => {
      seen.push(req.filter);
      return { items };
    },
  };
  const s = listStreamHandlers(h, { maxBytes: 400, maxItems: 100 });
  const got: PodSandbox[][] = [];
  await s.StreamPodSandboxes?.({ filter: { id: 'a', state: undefined, labelSelector: { k: 'v' } } }, ctx(), (m) => got.push(m.podSandboxes));
  assert.deepEqual(seen, [{ id: 'a', state: undefined, labelSelector: { k: 'v' } }]);
  assert.deepEqual(got.map((b) => b.map((p) => p.id)), [['a'], ['b', 'c']]);
});

test('an empty list is a stream without messages; a List error is the Stream error', async () => {
  const h: Handlers = {
    ListImages: async () => ({ images: [] as Image[] }),
    ListContainers: async () => {
      throw new Error('boom');
    },
  };
  const s = listStreamHandlers(h);
  let sent = 0;
  await s.StreamImages?.({ filter: undefined }, ctx(), () => sent++);
  assert.equal(sent, 0);
  await assert.rejects(s.StreamContainers!({ filter: undefined }, ctx(), () => sent++), /boom/);
  // No List handler, no Stream handler: the server answers Unimplemented for both.
  assert.equal(s.StreamPodSandboxStats, undefined);
});

test('a cancelled stream stops sending', async () => {
  const ac = new AbortController();
  const h: Handlers = { ListPodSandbox: async () => ({ items: [pod('a'), pod('b'), pod('c')] }) };
  const got: string[] = [];
  await listStreamHandlers(h, { maxBytes: 1 << 20, maxItems: 1 }).StreamPodSandboxes?.({ filter: undefined }, { signal: ac.signal, method: 'StreamPodSandboxes' }, (m) => {
    got.push(...m.podSandboxes.map((p) => p.id));
    ac.abort();
  });
  assert.deepEqual(got, ['a']);
});
