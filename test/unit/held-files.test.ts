// Held descriptors for cgroup interface files (src/cgroups/held-files.ts):
// a held file is read again from the start and sees new content; a file that
// goes away reads as absent; one created again at the same path is read
// afresh; the number held is capped; idle ones are closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeldFiles } from '../../src/cgroups/held-files.js';

async function dir(t: { after: (f: () => Promise<void>) => void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'berth-held-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('held files: re-read from the start, absent when gone, fresh when created again', async (t) => {
  const d = await dir(t);
  const f = join(d, 'memory.usage_in_bytes');
  await writeFile(f, '4096\n');
  const h = new HeldFiles(8);
  assert.equal(h.readSync(f), '4096\n');
  assert.equal(h.open, 1);
  await writeFile(f, '81920\n'); // same inode, new content (as the kernel regenerates it)
  assert.equal(h.readSync(f), '81920\n');
  assert.equal(await h.read(f), '81920\n');
  assert.equal(h.readSync(join(d, 'missing')), undefined);
  assert.equal(h.readSync(join(d, 'missing', 'below-a-file')), undefined);
  assert.equal(h.open, 1, 'nothing held for what does not exist');
  // Replaced by a new file at the same path: a held regular file still reads the old inode, so the
  // reader is only for files that change in place (cgroupfs); a removed cgroup answers ENODEV instead.
  await unlink(f);
  await writeFile(f, '1\n');
  h.close();
  assert.equal(h.open, 0);
  assert.equal(h.readSync(f), '1\n', 'after close, opened again');
});

test('held files: a file larger than the buffer is read whole', async (t) => {
  const d = await dir(t);
  const f = join(d, 'memory.stat');
  const text = Array.from({ length: 3000 }, (_, i) => `key_${i} ${i * 4096}`).join('\n');
  await writeFile(f, text);
  const h = new HeldFiles(4);
  assert.equal(h.readSync(f), text);
  assert.equal(h.readSync(f), text);
});

test('held files: capped, oldest closed first; idle ones closed', async (t) => {
  const d = await dir(t);
  const files = await Promise.all(
    Array.from({ length: 5 }, async (_, i) => {
      const f = join(d, `f${i}`);
      await writeFile(f, `${i}`);
      return f;
    }),
  );
  let now = 0;
  const h = new HeldFiles(3, 60_000, () => now);
  for (const f of files) h.readSync(f);
  assert.equal(h.open, 3);
  assert.equal(h.readSync(files[0]!), '0', 'a closed one is opened again');
  now = 61_000;
  h.closeIdle(); // everything was read since the start
  assert.equal(h.open, 3);
  h.readSync(files[0]!);
  now = 122_000;
  h.closeIdle();
  assert.equal(h.open, 1, 'only the one read since the previous sweep stays');
  h.closeIdle();
  assert.equal(h.open, 1, 'at most one sweep per idle period');
});

test('held files: errors other than absence are thrown', async (t) => {
  const d = await dir(t);
  const h = new HeldFiles(4);
  assert.throws(() => h.readSync(d), /EISDIR/);
  await assert.rejects(h.read(d), /EISDIR/);
});
