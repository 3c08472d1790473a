// Pure parts of the reliability work: the failpoint spec, the request path
// and string checks, the fuzzer's proto parser and its determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFailpoints } from '../../src/util/failpoint.js';
import { checkAbsolutePath, checkArgv, checkName, pathInside, singleLine } from '../../src/util/path-checks.js';
import { BerthError, Code } from '../../src/util/errors.js';
import { RequestGenerator } from '../support/fuzz/generate.js';
import { parseProto } from '../support/fuzz/proto-schema.js';

const invalid = (f: () => unknown, re: RegExp): void =>
  assert.throws(f, (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument && re.test(e.message));

test('failpoints: name=action pairs, kill by default, unknown actions refused', () => {
  assert.deepEqual([...parseFailpoints('')], []);
  assert.deepEqual([...parseFailpoints('pod.after-cni=kill, image.gc.mid=error,x.y')], [
    ['pod.after-cni', 'kill'],
    ['image.gc.mid', 'error'],
    ['x.y', 'kill'],
  ]);
  assert.throws(() => parseFailpoints('a=explode'), /action must be kill, error or wait/);
});

test('pathInside keeps a log path under its directory', () => {
  assert.equal(pathInside('/var/log/pods/p', 'c/0.log', 'log_path'), '/var/log/pods/p/c/0.log');
  assert.equal(pathInside('/var/log/pods/p', '/c/0.log', 'log_path'), '/var/log/pods/p/c/0.log');
  assert.equal(pathInside('/var/log/pods/p/', './c//0.log', 'log_path'), '/var/log/pods/p/c/0.log');
  invalid(() => pathInside('/var/log/pods/p', '../../etc/x', 'log_path'), /log_path: .* must not contain "\.\."/);
  invalid(() => pathInside('/var/log/pods/p', 'c/../../x', 'log_path'), /must not contain/);
  invalid(() => pathInside('/var/log/pods/p', '.', 'log_path'), /leads outside/);
  invalid(() => pathInside('/var/log/pods/p', 'a\0b', 'log_path'), /NUL byte/);
  invalid(() => pathInside('/l', 'x'.repeat(256), 'log_path'), /longer than 255 bytes/);
  invalid(() => pathInside('/l', 'a/'.repeat(2100), 'log_path'), /longer than 4095 bytes/);
});

test('absolute paths, names, argument vectors, single lines', () => {
  checkAbsolutePath('/data/x', 'host_path');
  invalid(() => checkAbsolutePath('data/x', 'host_path'), /must be absolute/);
  invalid(() => checkAbsolutePath('/tmp/../etc', 'host_path'), /must not contain "\.\."/);
  checkAbsolutePath('/tmp/..x/...', 'host_path'); // dots in names are fine
  checkName('nginx-7f9c', 'name');
  invalid(() => checkName('x'.repeat(254), 'name'), /longer than 253 bytes/);
  checkArgv(['sh', '-c', 'x'.repeat(131071)], 'cmd');
  invalid(() => checkArgv(['x'.repeat(131072)], 'cmd'), /cmd\[0\]: .* 128 KiB/);
  invalid(() => checkArgv(Array.from({ length: 20 }, () => 'x'.repeat(100_000)), 'cmd'), /at most 1 MiB/);
  invalid(() => checkArgv(['a', 'b\0'], 'cmd'), /cmd\[1\]: contains a NUL byte/);
  singleLine('8.8.8.8', 'servers[0]');
  invalid(() => singleLine('8.8.8.8\nnameserver 6.6.6.6', 'servers[0]'), /single line/);
});

test('the proto parser finds every RPC and resolves nested types; the generator is deterministic per seed', async () => {
  const schema = parseProto(await readFile(join(import.meta.dirname, '../../proto/api.proto'), 'utf8'));
  assert.ok(schema.rpcs.size >= 40, `${schema.rpcs.size} rpcs`);
  assert.equal(schema.rpcs.get('RunPodSandbox')?.request, 'RunPodSandboxRequest');
  assert.ok(schema.enums.has('SecurityProfile.ProfileType'));
  const sec = schema.messages.get('SecurityProfile') ?? [];
  assert.equal(sec.find((f) => f.protoName === 'profile_type')?.type, 'SecurityProfile.ProfileType');
  const labels = (schema.messages.get('PodSandboxConfig') ?? []).find((f) => f.name === 'labels');
  assert.deepEqual(labels?.map, { key: 'string', value: 'string' });
  const ctx = { ids: ['a'.repeat(64)], images: ['127.0.0.1:5000/busybox:latest'], canary: 'c', hostDir: '/tmp/h' };
  const one = (seed: number) => JSON.stringify(new RequestGenerator(schema, { ...ctx }, seed).request('CreateContainer'), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v));
  assert.equal(one(7), one(7));
  assert.notEqual(one(7), one(8));
});
