import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CHECK_EVERY, SpaceWatch, formatBytes, reserveBytes } from '../../src/image/unpack/space-watch.js';
import { BerthError, Code } from '../../src/util/errors.js';

test('reserveBytes: configured wins; by default 5 % of the disk, at most 1 GiB', () => {
  assert.equal(reserveBytes(100 << 20, undefined), Math.floor((100 << 20) * 0.05));
  assert.equal(reserveBytes(8 << 20, undefined), Math.floor((8 << 20) * 0.05));
  assert.equal(reserveBytes(1000 * 2 ** 30, undefined), 2 ** 30);
  assert.equal(reserveBytes(1000 * 2 ** 30, 0), 0);
  assert.equal(reserveBytes(10, 123), 123);
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(3 * 2 ** 30), '3 GiB');
});

async function run(configured: number | undefined, bytes: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'space-'));
  let passed = 0;
  const chunk = Buffer.alloc(1 << 20);
  await pipeline(
    Readable.from((function* () {
      for (let i = 0; i < bytes / chunk.length; i++) yield chunk;
    })()),
    new SpaceWatch(dir, configured, 'layer sha256:x of test'),
    new Writable({
      write(c: Buffer, _e, cb) {
        passed += c.length;
        cb();
      },
    }),
  );
  return passed;
}

test('SpaceWatch passes everything while the reserve is free, and stops with ResourceExhausted once it is not', async () => {
  assert.equal(await run(0, 3 * CHECK_EVERY), 3 * CHECK_EVERY);
  // A reserve larger than any disk: the first look at the disk stops the layer.
  await assert.rejects(run(Number.MAX_SAFE_INTEGER, 3 * CHECK_EVERY), (e: unknown) => e instanceof BerthError && e.code === Code.ResourceExhausted && /layer sha256:x of test: no space left on the image store's disk for it: after 4 MiB uncompressed, .* is kept free \(\[image\] min_free_space\)/.test(e.message));
});
