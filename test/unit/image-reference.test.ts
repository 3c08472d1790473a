import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asImageId, digestRef, formatReference, parseReference, pullReference, registryApiHost, tagRef } from '../../src/image/reference.js';
import { BerthError, Code } from '../../src/util/errors.js';

const D = `sha256:${'a'.repeat(64)}`;

test('normalises the Docker conventions', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['registry-1.docker.io/library/busybox:x', 'docker.io/library/busybox:x'],
    ['user/app', 'docker.io/user/app:latest'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/a/b/c:v1', 'localhost:5000/a/b/c:v1'],
    ['127.0.0.1:5000/busybox', '127.0.0.1:5000/busybox:latest'],
    ['[::1]:5000/busybox:t', '[::1]:5000/busybox:t'],
    ['Registry/app', 'Registry/app:latest'],
    ['quay.io/a_b/c__d/e-f--g.h:T_1.2-x', 'quay.io/a_b/c__d/e-f--g.h:T_1.2-x'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`busybox:1@${D}`, `docker.io/library/busybox@${D}`],
    [`ghcr.io:443/o/r:t@${D}`, `ghcr.io:443/o/r@${D}`],
  ];
  for (const [input, want] of cases) assert.equal(formatReference(pullReference(input)), want, input);
});

test('keeps the tag alongside a digest when parsing', () => {
  assert.deepEqual(parseReference(`busybox:1@${D}`), { domain: 'docker.io', path: 'library/busybox', tag: '1', digest: D });
  assert.deepEqual(parseReference('busybox'), { domain: 'docker.io', path: 'library/busybox' });
});

test('rejects malformed references with InvalidArgument naming the reference', () => {
  const badRefs = [
    '', ' ', 'Busybox', 'busybox:', 'busybox:-x', ':tag', 'a//b', 'a/', '/a', 'busybox@sha256:abc',
    `busybox@md5:${'a'.repeat(32)}`, `busybox@sha256:${'A'.repeat(64)}`, 'a b', 'busybox:t:t', 'bad_host_/x',
    'host:notaport/x', `x:${'a'.repeat(129)}`, `${'a'.repeat(256)}`, 'a/B', 'a..b', 'a-', 'UPPER/app:Tag/x',
  ];
  for (const r of badRefs) {
    assert.throws(() => parseReference(r), (e: unknown) => {
      assert.ok(e instanceof BerthError, r);
      assert.equal(e.code, Code.InvalidArgument, r);
      assert.match(e.message, /^image: invalid image reference/);
      return true;
    }, r);
  }
});

test('helpers', () => {
  const r = pullReference('busybox');
  assert.equal(tagRef(r, 'x'), 'docker.io/library/busybox:x');
  assert.equal(digestRef(r, D), `docker.io/library/busybox@${D}`);
  assert.equal(asImageId('a'.repeat(64)), D);
  assert.equal(asImageId(D), D);
  assert.equal(asImageId('busybox'), undefined);
  assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
  assert.equal(registryApiHost('quay.io'), 'quay.io');
});
