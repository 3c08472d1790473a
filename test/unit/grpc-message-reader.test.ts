import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcStatusError, MessageReader } from '../../src/client/grpc-transport.js';

function framed(body: Buffer): Buffer {
  const f = Buffer.alloc(5 + body.length);
  f.writeUInt32BE(body.length, 1);
  body.copy(f, 5);
  return f;
}

test('MessageReader: the same messages whatever the chunking (split prefixes, several per chunk, empty ones)', () => {
  const bodies = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(41_000, 7), Buffer.from('hello'), Buffer.alloc(16_385, 1)];
  const wire = Buffer.concat(bodies.map(framed));
  for (const size of [1, 2, 3, 4, 5, 6, 7, 100, 16_384, wire.length]) {
    const r = new MessageReader(1 << 20);
    const got: Buffer[] = [];
    for (let i = 0; i < wire.length; i += size) for (const m of r.push(wire.subarray(i, i + size))) got.push(Buffer.from(m));
    assert.deepEqual(got, bodies, `chunks of ${size}`);
  }
});

test('MessageReader: too large or compressed messages are errors', () => {
  const big = Buffer.alloc(5);
  big.writeUInt32BE(100, 1);
  assert.throws(() => new MessageReader(10).push(big), (e: unknown) => e instanceof GrpcStatusError && /exceeds 10/.test(e.message));
  const compressed = Buffer.from([1, 0, 0, 0, 0]);
  assert.throws(() => new MessageReader(10).push(compressed), (e: unknown) => e instanceof GrpcStatusError && /compressed/.test(e.message));
});
