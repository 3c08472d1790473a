// Layer unpack with the real GNU tar, as root: metadata preserved, whiteouts
// and opaque dirs converted for overlayfs, corrupt blobs refused, and hostile
// tars contained — checked by comparing a snapshot of everything around the
// layer directory before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { unpackLayer } from '../../src/image/unpack/unpack-layer.js';
import { BerthError, Code } from '../../src/util/errors.js';
import { makeTestDir } from '../support/daemon.js';
import { writeTar, type TarEntry } from '../support/images/tar.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function unpack(dir: string, tar: Buffer, compression: 'gzip' | 'zstd' | 'none' = 'gzip', tamper?: (b: Buffer) => Buffer) {
  let blob = compression === 'gzip' ? gzipSync(tar) : compression === 'zstd' ? execFileSync('zstd', ['-q', '-c'], { input: tar }) : tar;
  const digest = sha(blob);
  const size = blob.length;
  if (tamper) blob = tamper(blob);
  const chunks: Buffer[] = [];
  for (let i = 0; i < blob.length; i += 1000) chunks.push(blob.subarray(i, i + 1000));
  return unpackLayer({ source: Readable.from(chunks), digest, size, diffId: sha(tar), dir, what: `layer ${digest}` });
}

/** Every path under `root` with type, mode, size and link target: the "nothing changed" witness. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await readdir(root, { recursive: true })) {
    const p = join(root, name);
    const s = await lstat(p);
    out.set(name, `${s.mode}:${s.size}:${s.mtimeMs}:${s.isSymbolicLink() ? await readlink(p) : ''}`);
  }
  return out;
}

/** The xattr's value as getfattr prints it in hex ("0x…"). */
function getfattr(path: string, name: string): string {
  const out = execFileSync('getfattr', ['-h', '-e', 'hex', '-n', name, path], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
  const line = out.split('\n').find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`${path}: no ${name}`);
  return line.slice(name.length + 1);
}

test('preserves owners, modes, setuid, mtimes, binary xattrs, links, fifos and devices', async (t) => {
  const base = await makeTestDir('unpack-');
  t.after(() => rm(base, { recursive: true, force: true }));
  const dir = join(base, 'layer');
  await mkdir(dir);
  const entries: TarEntry[] = [
    { type: 'dir', path: 'bin', mode: 0o755 },
    { type: 'file', path: 'bin/su', content: 'suid', mode: 0o4755, uid: 0, gid: 0, mtime: 1_000_000 },
    { type: 'file', path: 'bin/owned', content: 'o', mode: 0o640, uid: 1234, gid: 5678, mtime: 2_000_000 },
    { type: 'hardlink', path: 'bin/su2', target: 'bin/su' },
    { type: 'symlink', path: 'bin/sh', target: '/bin/busybox' },
    { type: 'fifo', path: 'pipe', mode: 0o600 },
    { type: 'char', path: 'null', major: 1, minor: 3, mode: 0o666 },
    { type: 'block', path: 'loop9', major: 7, minor: 9, mode: 0o660 },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'file', path: 'cap', content: 'c', xattrs: { 'user.bin': Buffer.from([0, 1, 0xfe, 0xff, 0x0a]), 'trusted.x': 'y', 'trusted.overlay.opaque': 'y' } },
  ];
  const stats = await unpack(dir, writeTar(entries));
  const su = await lstat(join(dir, 'bin/su'));
  assert.equal(su.mode & 0o7777, 0o4755);
  assert.equal(su.mtimeMs, 1_000_000_000);
  const su2 = await lstat(join(dir, 'bin/su2'));
  assert.equal(su2.ino, su.ino, 'hardlink kept');
  const owned = await lstat(join(dir, 'bin/owned'));
  assert.deepEqual([owned.uid, owned.gid, owned.mode & 0o777], [1234, 5678, 0o640]);
  assert.equal(await readlink(join(dir, 'bin/sh')), '/bin/busybox');
  assert.ok((await lstat(join(dir, 'pipe'))).isFIFO());
  const nul = await lstat(join(dir, 'null'));
  assert.ok(nul.isCharacterDevice());
  assert.equal(nul.rdev, (1 << 8) | 3);
  assert.ok((await lstat(join(dir, 'loop9'))).isBlockDevice());
  assert.equal((await lstat(join(dir, 'tmp'))).mode & 0o7777, 0o1777);
  assert.equal(getfattr(join(dir, 'cap'), 'user.bin'), '0x0001feff0a', 'binary xattr intact');
  assert.equal(getfattr(join(dir, 'cap'), 'trusted.x'), '0x79');
  assert.throws(() => getfattr(join(dir, 'cap'), 'trusted.overlay.opaque'), 'a layer cannot smuggle overlay xattrs');
  assert.equal(stats.whiteouts, 0);
});

test('whiteouts are char devices 0:0 and opaque dirs carry trusted.overlay.opaque=y (gzip, zstd, plain)', async (t) => {
  const base = await makeTestDir('unpack-');
  t.after(() => rm(base, { recursive: true, force: true }));
  for (const c of ['gzip', 'zstd', 'none'] as const) {
    const dir = join(base, c);
    await mkdir(dir);
    await unpack(dir, writeTar([
      { type: 'dir', path: 'data' },
      { type: 'file', path: 'data/.wh.gone', content: '' },
      { type: 'dir', path: 'opaque' },
      { type: 'file', path: 'opaque/.wh..wh..opq', content: '' },
      { type: 'file', path: 'opaque/c', content: 'c\n' },
      { type: 'file', path: 'implicit/.wh..wh..opq', content: '' },
    ]), c);
    const wh = await lstat(join(dir, 'data/gone'));
    assert.ok(wh.isCharacterDevice(), c);
    assert.equal(wh.rdev, 0);
    await assert.rejects(lstat(join(dir, 'data/.wh.gone')), /ENOENT/);
    await assert.rejects(lstat(join(dir, 'opaque/.wh..wh..opq')), /ENOENT/);
    assert.equal(getfattr(join(dir, 'opaque'), 'trusted.overlay.opaque'), '0x79');
    assert.equal(getfattr(join(dir, 'implicit'), 'trusted.overlay.opaque'), '0x79');
    assert.equal(await readFile(join(dir, 'opaque/c'), 'utf8'), 'c\n');
  }
});

test('a corrupt or mislabelled blob fails with DataLoss naming it', async (t) => {
  const base = await makeTestDir('unpack-');
  t.after(() => rm(base, { recursive: true, force: true }));
  const tar = writeTar([{ type: 'file', path: 'a', content: 'x'.repeat(5000) }]);
  const cases: [string, (b: Buffer) => Buffer, RegExp][] = [
    ['flipped', (b) => { const c = Buffer.from(b); c[c.length - 5] ^= 0xff; return c; }, /DataLoss|digest|corrupt/],
    ['longer', (b) => Buffer.concat([b, Buffer.from('more')]), /more than the \d+ bytes/],
    ['shorter', (b) => b.subarray(0, b.length - 10), /bytes received|corrupt|truncated|unexpected end/],
  ];
  for (const [name, tamper, re] of cases) {
    const dir = join(base, name);
    await mkdir(dir);
    await assert.rejects(unpack(dir, tar, 'gzip', tamper), (e: unknown) => {
      assert.ok(e instanceof BerthError, `${name}: ${String(e)}`);
      assert.equal(e.code, Code.DataLoss, `${name}: ${e.message}`);
      assert.match(e.message, /layer sha256:[0-9a-f]{64}/);
      assert.match(e.message, re);
      return true;
    });
  }
});

test('hostile tars change nothing outside the layer directory', async (t) => {
  const base = await makeTestDir('unpack-');
  t.after(() => rm(base, { recursive: true, force: true }));
  const outside = join(base, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'victim'), 'original\n');
  const layers = join(base, 'layers');
  await mkdir(layers);
  const victimAbs = join(outside, 'victim');
  const hostile: Record<string, TarEntry[]> = {
    dotdot: [{ type: 'file', path: '../../outside/victim', content: 'pwned' }],
    dotdotDeep: [{ type: 'dir', path: 'a' }, { type: 'file', path: 'a/../../../outside/new', content: 'pwned' }],
    absolute: [{ type: 'file', path: victimAbs, content: 'pwned' }],
    symlinkDir: [{ type: 'symlink', path: 'esc', target: outside }, { type: 'file', path: 'esc/victim', content: 'pwned' }],
    symlinkRel: [{ type: 'symlink', path: 'esc', target: '../../outside' }, { type: 'file', path: 'esc/new', content: 'pwned' }],
    symlinkChain: [{ type: 'symlink', path: 'x', target: outside }, { type: 'symlink', path: 'y', target: 'x' }, { type: 'file', path: 'y/new', content: 'pwned' }],
    symlinkThenDir: [{ type: 'symlink', path: 'esc', target: outside }, { type: 'dir', path: 'esc' }, { type: 'file', path: 'esc/new', content: 'p' }],
    hardlinkOut: [{ type: 'hardlink', path: 'h', target: victimAbs }],
    hardlinkDotdot: [{ type: 'hardlink', path: 'h', target: '../../outside/victim' }],
    hardlinkViaSymlink: [{ type: 'symlink', path: 'esc', target: outside }, { type: 'hardlink', path: 'h', target: 'esc/victim' }],
    whiteoutViaSymlink: [{ type: 'symlink', path: 'esc', target: outside }, { type: 'file', path: 'esc/.wh.victim', content: '' }],
    opaqueViaSymlink: [{ type: 'symlink', path: 'esc', target: outside }, { type: 'file', path: 'esc/.wh..wh..opq', content: '' }],
    symlinkFileOverwrite: [{ type: 'symlink', path: 'v', target: victimAbs }, { type: 'file', path: 'v', content: 'pwned' }],
    rootSymlink: [{ type: 'symlink', path: './', target: outside }, { type: 'file', path: 'new', content: 'p' }],
  };
  const before = await snapshot(outside);
  const beforeBase = (await readdir(base)).sort();
  for (const [name, entries] of Object.entries(hostile)) {
    const dir = join(layers, name);
    await mkdir(dir);
    await assert.rejects(unpack(dir, writeTar(entries)), (e: unknown) => {
      assert.ok(e instanceof BerthError, `${name}: ${String(e)}`);
      assert.equal(e.code, Code.FailedPrecondition, `${name}: ${e.message}`);
      assert.match(e.message, /refused/, name);
      return true;
    }, name);
  }
  assert.deepEqual(await snapshot(outside), before, 'nothing outside changed');
  assert.equal(await readFile(victimAbs, 'utf8'), 'original\n');
  assert.deepEqual((await readdir(base)).sort(), beforeBase);
  // A symlink pointing outside is itself harmless data, and allowed.
  const ok = join(layers, 'okSymlink');
  await mkdir(ok);
  await unpack(ok, writeTar([{ type: 'symlink', path: 'etc', target: '/etc' }, { type: 'symlink', path: 'up', target: '../../..' }]));
  assert.equal(await readlink(join(ok, 'etc')), '/etc');
  assert.equal(await readlink(join(ok, 'up')), '../../..');
  assert.deepEqual(await snapshot(outside), before);
});
