import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlatYaml, parseTimeout, resolveEndpoints } from '../../src/cli/common/endpoint.js';
import { toYaml } from '../../src/cli/common/output.js';
import { parseGlobals } from '../../src/cli/berthctl/main-args.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-unit-'));
const yaml = join(dir, 'crictl.yaml');
writeFileSync(yaml, '# comment\nruntime-endpoint: "unix:///file.sock"\nimage-endpoint: unix:///img.sock # trailing\ntimeout: 10\ndebug: true\n');

test('endpoint precedence: flag > environment > config file > default', () => {
  const none = join(dir, 'absent.yaml');
  assert.equal(resolveEndpoints({ env: { CRI_CONFIG_FILE: none } }).runtime, 'unix:///run/berth/berth.sock');
  assert.equal(resolveEndpoints({ configFile: yaml, env: {} }).runtime, 'unix:///file.sock');
  assert.equal(resolveEndpoints({ configFile: yaml, env: {} }).image, 'unix:///img.sock');
  assert.equal(resolveEndpoints({ configFile: yaml, env: {} }).timeoutMs, 10_000);
  assert.equal(resolveEndpoints({ configFile: yaml, env: {} }).debug, true);
  assert.equal(resolveEndpoints({ configFile: yaml, env: { CONTAINER_RUNTIME_ENDPOINT: '/env.sock' } }).runtime, 'unix:///env.sock');
  assert.equal(resolveEndpoints({ configFile: yaml, runtimeFlag: 'unix:///flag.sock', env: { CONTAINER_RUNTIME_ENDPOINT: '/env.sock' } }).runtime, 'unix:///flag.sock');
  assert.equal(resolveEndpoints({ runtimeFlag: '/r.sock', env: { CRI_CONFIG_FILE: none } }).image, 'unix:///r.sock', 'image defaults to runtime');
  assert.throws(() => resolveEndpoints({ runtimeFlag: 'tcp://x:1', env: {} }), /unsupported endpoint/);
  assert.throws(() => resolveEndpoints({ configFile: join(dir, 'missing.yaml'), env: {} }), /cannot read config/);
});

test('timeouts as crictl spells them', () => {
  assert.equal(parseTimeout('2s'), 2000);
  assert.equal(parseTimeout('500ms'), 500);
  assert.equal(parseTimeout('10'), 10_000);
  assert.throws(() => parseTimeout('soon'), /invalid timeout/);
});

test('flat yaml', () => {
  assert.deepEqual(parseFlatYaml('a: 1\n b: "x y"\n#c: 2\nd:\n'), { a: '1', b: 'x y', d: '' });
});

test('global flags before the verb, with = or separate values', () => {
  const { globals, rest } = parseGlobals(['-r', '/x.sock', '--timeout=5s', '-D', 'version', '-o', 'json']);
  assert.equal(globals.runtime, '/x.sock');
  assert.equal(globals.timeout, '5s');
  assert.equal(globals.debug, true);
  assert.deepEqual(rest, ['version', '-o', 'json']);
  assert.throws(() => parseGlobals(['--bogus']), /unknown global flag/);
  assert.throws(() => parseGlobals(['-r']), /needs a value/);
});

test('yaml output of JSON-shaped data', () => {
  assert.equal(
    toYaml({ status: { conditions: [{ type: 'RuntimeReady', status: true }] }, empty: [], s: 'a: b', n: 3, t: 'true' }),
    'status:\n  conditions:\n  - type: RuntimeReady\n    status: true\nempty: []\ns: "a: b"\nn: 3\nt: "true"',
  );
});

test('help flags belong to the verb, not to the command it runs', async () => {
  const { wantsHelp } = await import('../../src/cli/berthctl/main-args.js');
  assert.equal(wantsHelp(['-h']), true);
  assert.equal(wantsHelp(['-o', 'json', '--help']), true);
  assert.equal(wantsHelp(['-s', 'abc', 'df', '-h']), false);
  assert.equal(wantsHelp(['abc', 'ls', '--help']), false);
  assert.equal(wantsHelp(['-it', 'abc', '--', 'ls', '-h']), false);
  assert.equal(wantsHelp([]), false);
});

test('resource updates merge per controller', async () => {
  const { mergeResources } = await import('../../src/container/manager.js');
  assert.deepEqual(mergeResources({ cpu: { shares: 512, period: 100000 }, memory: { limit: 5 } }, { cpu: { quota: 20000 } }), {
    cpu: { shares: 512, period: 100000, quota: 20000 },
    memory: { limit: 5 },
  });
});
