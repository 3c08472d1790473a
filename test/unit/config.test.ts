import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseToml } from 'smol-toml';
import { buildConfig, parseFile } from '../../src/config/load.js';
import { renderConfig } from '../../src/config/render.js';
import { defaultConfig } from '../../src/config/schema.js';
import { parseDuration } from '../../src/util/duration.js';

test('defaults: no file gives a complete config with derived handler roots', () => {
  const c = buildConfig([]);
  assert.equal(c.grpc.listen, 'unix:///run/berth/berth.sock');
  assert.equal(c.storage.root, '/var/lib/berth');
  assert.equal(c.runtime.handlers.runc?.root, '/run/berth/runc');
  assert.equal(c.runtime.handlers.crun?.root, '/run/berth/crun');
  assert.deepEqual(c.network.bin_dirs, ['/opt/cni/bin', '/usr/lib/cni']);
  assert.equal(c.network.conf_dir, '/etc/cni/net.d');
});

test('later tables override earlier ones key by key; overrides win; state moves handler roots', () => {
  const a = parseFile('a.toml', '[runtime]\ndefault_handler = "crun"\n[runtime.handlers.kata]\npath = "/usr/bin/kata-runtime"\n');
  const b = parseFile('b.toml', '[runtime.handlers.runc]\nroot = "/custom/runc"\n[streaming]\nport = 10250\n');
  const c = buildConfig([a, b], { state: '/run/s', logLevel: 'debug' });
  assert.equal(c.runtime.default_handler, 'crun');
  assert.equal(c.runtime.handlers.runc?.path, 'runc', 'untouched keys keep defaults');
  assert.equal(c.runtime.handlers.runc?.root, '/custom/runc');
  assert.equal(c.runtime.handlers.crun?.root, '/run/s/crun');
  assert.equal(c.runtime.handlers.kata?.root, '/run/s/kata');
  assert.equal(c.streaming.port, 10250);
  assert.equal(c.log.level, 'debug');
});

test('validation names the file, the key and the reason', () => {
  const cases: [string, RegExp][] = [
    ['[grpc]\nlisten = "tcp://0.0.0.0:1"\n', /f\.toml: grpc\.listen: must be unix:\/\/\/absolute/],
    ['[nope]\n', /f\.toml: nope: unknown section/],
    ['[storage]\nroot = "relative"\n', /storage\.root: must be an absolute path/],
    ['[network]\nbin_dirs = "/usr/lib/cni"\n', /network\.bin_dirs: must be a list of strings/],
    ['[network]\ndefault_subnet = "10.0.0.0/40"\n', /network\.default_subnet/],
    ['[streaming]\nport = 70000\n', /streaming\.port: must be 0\.\.65535/],
    ['[streaming]\nidle_timeout = "4 hours"\n', /streaming\.idle_timeout: must be a duration/],
    ['[runtime.handlers.x]\nbinary = "y"\n', /runtime\.handlers\.x\.binary: unknown key/],
    ['[image.registries."docker.io"]\nmirrors = ["ftp://m"]\n', /image\.registries\.docker\.io\.mirrors: "ftp:\/\/m" is not an http/],
    ['[log]\nlevel = "loud"\n', /log\.level: must be one of debug, info, warn, error/],
    ['[log\n', /f\.toml: not valid TOML/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseFile('f.toml', text), re, text);
});

test('a default handler that is not configured is refused', () => {
  assert.throws(() => buildConfig([parseFile('f', '[runtime]\ndefault_handler = "kata"\n')]), /default_handler: "kata" is not a configured handler/);
  assert.throws(() => buildConfig([parseFile('f', '[runtime.handlers.kata]\nroot = "/x"\n')]), /handlers\.kata\.path: missing/);
});

test('bad flag values are refused like file values', () => {
  assert.throws(() => buildConfig([], { listen: 'tcp://x' }), /--listen: must be unix/);
  assert.throws(() => buildConfig([], { logLevel: 'trace' }), /--log-level: must be one of/);
  assert.equal(buildConfig([], { listen: '/tmp/x.sock' }).grpc.listen, 'unix:///tmp/x.sock');
});

test('rendered config is valid TOML that loads back to the same config', () => {
  const c = buildConfig([parseFile('f', '[image.registries."registry.k8s.io"]\nmirrors = ["http://127.0.0.1:5000"]\ninsecure = true\n')]);
  const text = renderConfig(c, ['f']);
  const back = buildConfig([parseFile('rendered', text)]);
  assert.deepEqual(back, c);
  assert.ok(parseToml(text));
  assert.deepEqual(buildConfig([parseFile('d', renderConfig(defaultConfig(), []))]), buildConfig([]));
});

test('durations', () => {
  assert.equal(parseDuration('4h'), 4 * 3600_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration(''), undefined);
  assert.equal(parseDuration('5 s'), undefined);
  assert.equal(parseDuration('10'), undefined);
});
