// Image volume sub paths: what is refused outright, and symlink resolution
// that stays inside the image root however hostile its links are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageMountIndexes, resolveInRoot, subPathComponents } from '../../src/container/image-volumes.js';
import { ContainerConfig } from '../../src/api/gen/api.js';
import { BerthError, Code } from '../../src/util/errors.js';

const isInvalid = (re: RegExp) => (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument && re.test(e.message);

test('sub path syntax: relative, no "..", no NUL; "." and empty parts dropped', () => {
  assert.deepEqual(subPathComponents('', 'f'), []);
  assert.deepEqual(subPathComponents('./etc//ssl/', 'f'), ['etc', 'ssl']);
  assert.throws(() => subPathComponents('/etc', 'mounts[0].image_sub_path'), isInvalid(/mounts\[0\]\.image_sub_path: "\/etc" must be relative/));
  assert.throws(() => subPathComponents('a/../../b', 'f'), isInvalid(/must not contain "\.\."/));
  assert.throws(() => subPathComponents('a\0b', 'f'), isInvalid(/NUL/));
});

test('image mounts are found by index', () => {
  const c = ContainerConfig.fromPartial({ mounts: [{ containerPath: '/a', hostPath: '/h' }, { containerPath: '/b', image: { image: 'x' } }, { containerPath: '/c', image: { image: '' } }] });
  assert.deepEqual(imageMountIndexes(c), [1]);
});

test('symlinks resolve inside the image root, never outside it', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'berth-imgvol-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'etc/ssl'), { recursive: true });
  await mkdir(join(root, 'data'), { recursive: true });
  await mkdir(join(outside, 'etc/ssl'), { recursive: true });
  await writeFile(join(root, 'data/file'), 'x');
  await symlink('/etc', join(root, 'abs'));                // absolute: re-rooted at the image
  await symlink('../../../../outside', join(root, 'up'));  // climbs: stops at the root
  await symlink('../../../etc', join(root, 'climb'));
  await symlink(outside, join(root, 'host'));              // the host's absolute path: re-rooted, so absent
  await symlink('data', join(root, 'rel'));
  await symlink('loop2', join(root, 'loop1'));
  await symlink('loop1', join(root, 'loop2'));

  const r = (sub: string) => resolveInRoot(root, subPathComponents(sub, 'f'), 'mounts[0].image_sub_path');
  assert.equal(await r(''), root);
  assert.equal(await r('etc/ssl'), join(root, 'etc/ssl'));
  assert.equal(await r('abs/ssl'), join(root, 'etc/ssl'));
  assert.equal(await r('climb/ssl'), join(root, 'etc/ssl'));
  assert.equal(await r('rel/file'), join(root, 'data/file'));
  await assert.rejects(r('host'), isInvalid(/does not exist in the image/));
  await assert.rejects(r('up'), isInvalid(/"outside" does not exist in the image/));
  await assert.rejects(r('loop1'), isInvalid(/too many symbolic links/));
  await assert.rejects(r('data/file/x'), isInvalid(/"data\/file" is not a directory/));
  await assert.rejects(r('missing'), isInvalid(/mounts\[0\]\.image_sub_path: "missing" does not exist/));
});
