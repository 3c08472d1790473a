// The layer guard alone (no tar, no root): what it lets through, what it
// refuses, and how it rewrites whiteouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { TarGuard, UnsafeLayerError, cleanPath, type GuardStats } from '../../src/image/unpack/tar-guard.js';
import { BLOCK, decodeHeader, parsePax, TYPE } from '../../src/image/unpack/tar-header.js';
import { writeTar, type TarEntry } from '../support/images/tar.js';

async function run(tar: Buffer, chunk = 700): Promise<{ out: Buffer; stats: GuardStats }> {
  const g = new TarGuard();
  const parts: Buffer[] = [];
  g.on('data', (b: Buffer) => parts.push(b));
  const chunks: Buffer[] = [];
  for (let i = 0; i < tar.length; i += chunk) chunks.push(tar.subarray(i, i + chunk));
  await new Promise<void>((res, rej) => {
    Readable.from(chunks).pipe(g).on('error', rej).on('finish', res);
  });
  return { out: Buffer.concat(parts), stats: g.summary() };
}

/** Names (pax path wins) and types of the entries in a tar. */
function listTar(tar: Buffer): { name: string; type: number; dev?: string }[] {
  const out: { name: string; type: number; dev?: string }[] = [];
  let off = 0;
  let pax: Map<string, string> | undefined;
  while (off + BLOCK <= tar.length) {
    const block = tar.subarray(off, off + BLOCK);
    if (block.every((b) => b === 0)) break;
    const h = decodeHeader(block);
    const dataLen = Math.ceil(h.size / BLOCK) * BLOCK;
    if (h.typeflag === TYPE.paxLocal) pax = parsePax(tar.subarray(off + BLOCK, off + BLOCK + h.size));
    else {
      const dev = h.typeflag === TYPE.char ? `${block.toString('latin1', 329, 336)}/${block.toString('latin1', 337, 344)}` : undefined;
      out.push({ name: pax?.get('path') ?? h.name, type: h.typeflag, ...(dev ? { dev } : {}) });
      pax = undefined;
    }
    off += BLOCK + dataLen;
  }
  return out;
}

async function refuses(entries: TarEntry[], re: RegExp): Promise<void> {
  await assert.rejects(run(writeTar(entries)), (e: unknown) => {
    assert.ok(e instanceof UnsafeLayerError, String(e));
    assert.match(e.message, re);
    return true;
  });
}

test('a benign layer passes unchanged, with diff_id and counts', async () => {
  const tar = writeTar([
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/x', content: 'hello', mode: 0o4755 },
    { type: 'symlink', path: 'bin/y', target: '/etc/passwd' },
    { type: 'hardlink', path: 'bin/z', target: 'bin/x' },
    { type: 'file', path: `deep/${'n'.repeat(150)}`, content: 'long', xattrs: { 'user.bin': Buffer.from([0, 1, 255]) } },
    { type: 'fifo', path: 'f' },
    { type: 'char', path: 'null', major: 1, minor: 3 },
  ]);
  const { out, stats } = await run(tar, 333);
  assert.deepEqual(out.subarray(0, tar.length - 1024), tar.subarray(0, tar.length - 1024));
  assert.equal(stats.diffId, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
  assert.equal(stats.size, tar.length);
  assert.equal(stats.entries, 7);
  assert.equal(stats.inodes, 6, 'a hardlink is no new inode');
});

test('whiteouts become char devices 0:0; opaque markers are dropped and reported', async () => {
  const { out, stats } = await run(writeTar([
    { type: 'dir', path: 'data' },
    { type: 'file', path: 'data/.wh.gone', content: '' },
    { type: 'dir', path: 'opaque/' },
    { type: 'file', path: './opaque/.wh..wh..opq', content: '' },
    { type: 'file', path: 'opaque/c', content: 'c' },
    { type: 'file', path: '.wh..wh.plnk', content: '' },
    { type: 'file', path: `${'d'.repeat(120)}/.wh.${'w'.repeat(60)}`, content: '' },
  ]));
  const entries = listTar(out);
  assert.deepEqual(entries.map((e) => [e.name, e.type, e.dev]), [
    ['data/', TYPE.dir, undefined],
    ['data/gone', TYPE.char, '0000000/0000000'],
    ['opaque/', TYPE.dir, undefined],
    ['opaque/c', TYPE.file, undefined],
    [`${'d'.repeat(120)}/${'w'.repeat(60)}`, TYPE.char, '0000000/0000000'],
  ]);
  assert.deepEqual(stats.opaqueDirs, ['opaque']);
  assert.equal(stats.whiteouts, 2);
});

test('refuses paths that leave the layer', async () => {
  await refuses([{ type: 'file', path: '../evil', content: 'x' }], /".." in path/);
  await refuses([{ type: 'file', path: 'a/../../evil', content: 'x' }], /".." in path/);
  await refuses([{ type: 'file', path: '/etc/evil', content: 'x' }], /absolute path/);
  await refuses([{ type: 'file', path: `${'a/'.repeat(60)}../../x`, content: 'x' }], /".." in path/); // via pax path
  await refuses([{ type: 'file', path: 'x', content: '' }, { type: 'hardlink', path: 'h', target: '/etc/passwd' }], /absolute path/);
  await refuses([{ type: 'hardlink', path: 'h', target: '../../etc/passwd' }], /".." in path/);
  await refuses([{ type: 'file', path: 'data/.wh...', content: '' }], /".." in path|invalid whiteout/);
  await refuses([{ type: 'file', path: 'data/.wh.', content: '' }], /invalid whiteout/);
});

test('refuses going through a symlink planted earlier, and hardlinks to unknown files', async () => {
  await refuses([{ type: 'symlink', path: 'etc', target: '/etc' }, { type: 'file', path: 'etc/passwd', content: 'x' }], /through a symlink/);
  await refuses([{ type: 'symlink', path: 'a', target: '.' }, { type: 'symlink', path: 'a/b', target: '/' }], /through a symlink/);
  await refuses([{ type: 'symlink', path: 'd', target: '/tmp' }, { type: 'dir', path: 'd' }, { type: 'file', path: 'd/x', content: '' }], /replaces a symlink|through a symlink/);
  await refuses([{ type: 'symlink', path: 'd', target: '/tmp' }, { type: 'file', path: 'd/.wh.x', content: '' }], /through a symlink/);
  await refuses([{ type: 'symlink', path: 'd', target: '/tmp' }, { type: 'file', path: 'd/.wh..wh..opq', content: '' }], /through a symlink/);
  await refuses([{ type: 'symlink', path: 's', target: '/etc' }, { type: 'hardlink', path: 'h', target: 's' }, { type: 'file', path: 'h/passwd', content: '' }], /through a symlink/);
  await refuses([{ type: 'symlink', path: 's', target: '/etc' }, { type: 'hardlink', path: 'h', target: 's/passwd' }], /through a symlink/);
  await refuses([{ type: 'hardlink', path: 'h', target: 'nothing' }], /not an earlier file/);
  await refuses([{ type: 'dir', path: 'd' }, { type: 'hardlink', path: 'h', target: 'd' }], /not an earlier file/);
  await refuses([{ type: 'file', path: 'd', content: '' }, { type: 'symlink', path: 'x', target: '/etc' }, { type: 'file', path: 'x', content: '' }], /replaces a symlink/);
});

test('refuses what tar and we might read differently', async () => {
  const good = writeTar([{ type: 'file', path: 'a', content: 'abc' }]);
  const badSum = Buffer.from(good);
  badSum[0] = 0x62; // name changes, checksum does not
  await assert.rejects(run(badSum), /checksum/);
  const sizeOnLink = writeTar([{ type: 'symlink', path: 's', target: 't' }]);
  sizeOnLink.write('00000001000\0', 124, 'latin1');
  fixChecksum(sizeOnLink);
  await assert.rejects(run(sizeOnLink), /carries data/);
  const sparse = writeTar([{ type: 'file', path: 'a', content: '' }]);
  sparse[156] = 0x53; // 'S'
  fixChecksum(sparse);
  await assert.rejects(run(sparse), /unsupported tar entry type 'S'/);
  const truncated = good.subarray(0, BLOCK + 100);
  await assert.rejects(run(truncated), /truncated/);
  const junkSize = writeTar([{ type: 'file', path: 'a', content: '' }]);
  junkSize.write('+0000000000\0', 124, 'latin1');
  fixChecksum(junkSize);
  await assert.rejects(run(junkSize), /not a number/);
});

test('stops feeding tar at the end-of-archive marker', async () => {
  const tar = Buffer.concat([writeTar([{ type: 'file', path: 'a', content: 'x' }]), writeTar([{ type: 'file', path: 'hidden', content: 'y' }])]);
  const { out, stats } = await run(tar);
  assert.deepEqual(listTar(out).map((e) => e.name), ['a']);
  assert.equal(stats.size, tar.length, 'everything is hashed');
});

test('cleanPath', () => {
  assert.equal(cleanPath('./a//b/./c/'), 'a/b/c');
  assert.equal(cleanPath('./'), '');
  assert.throws(() => cleanPath('a/..'), UnsafeLayerError);
});

function fixChecksum(tar: Buffer): void {
  tar.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += tar[i] as number;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}
