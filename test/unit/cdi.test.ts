// CDI spec files (hostile input: strict validation naming file and field) and
// the registry's resolution of requested devices (priorities, conflicts, a bad
// file never breaking the others).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRegistry, resolveCdiDevices } from '../../src/container/cdi-registry.js';
import { CdiSpecError, devicesFromAnnotations, parseCdiSpec, parseQualifiedName } from '../../src/container/cdi-spec.js';
import { BerthError, Code } from '../../src/util/errors.js';
import * as yamlLib from 'yaml';

const GOOD_YAML = `# written by a driver
cdiVersion: "0.6.0"
kind: vendor.example/gpu
containerEdits:
  env: [VENDOR_LIB=/usr/lib/vendor]
devices:
  - name: gpu0
    containerEdits:
      deviceNodes:
        - path: /dev/vendor0
          hostPath: /dev/null
          permissions: rw
      mounts:
        - hostPath: /opt/vendor
          containerPath: /usr/lib/vendor
          options: [rbind, ro]
      hooks:
        - hookName: createContainer
          path: /usr/bin/vendor-hook
          args: [vendor-hook, --ldconfig]
          timeout: 5
  - name: "1"
    containerEdits:
      env: ["GPU=1"]
      additionalGids: [0, 44]
`;

test('a valid YAML spec: kind split, spec and device edits, 0 dropped from additionalGids', () => {
  const s = parseCdiSpec(GOOD_YAML, '/etc/cdi/vendor.yaml', yamlLib);
  assert.equal(s.vendor, 'vendor.example');
  assert.equal(s.class, 'gpu');
  assert.deepEqual(s.edits.env, ['VENDOR_LIB=/usr/lib/vendor']);
  const gpu0 = s.devices.get('gpu0');
  assert.deepEqual(gpu0?.deviceNodes, [{ path: '/dev/vendor0', hostPath: '/dev/null', permissions: 'rw' }]);
  assert.deepEqual(gpu0?.mounts, [{ hostPath: '/opt/vendor', containerPath: '/usr/lib/vendor', options: ['rbind', 'ro'] }]);
  assert.deepEqual(gpu0?.hooks, [{ hookName: 'createContainer', path: '/usr/bin/vendor-hook', args: ['vendor-hook', '--ldconfig'], timeout: 5 }]);
  assert.deepEqual(s.devices.get('1')?.additionalGids, [44]);
});

test('the same spec as JSON reads the same', () => {
  const json = JSON.stringify({
    cdiVersion: 'v1.0.0',
    kind: 'vendor.example/gpu',
    devices: [{ name: 'gpu0', containerEdits: { deviceNodes: [{ path: '/dev/vendor0', type: 'c', major: 1, minor: 3 }] } }],
  });
  const s = parseCdiSpec(json, '/var/run/cdi/v.json');
  assert.deepEqual(s.devices.get('gpu0')?.deviceNodes, [{ path: '/dev/vendor0', type: 'c', major: 1, minor: 3 }]);
});

function bad(text: string, field: RegExp | string, reason: RegExp, file = '/etc/cdi/bad.yaml'): void {
  assert.throws(
    () => parseCdiSpec(text, file, yamlLib),
    (e: unknown) => {
      assert.ok(e instanceof CdiSpecError, String(e));
      assert.equal(e.file, file);
      if (typeof field === 'string') assert.equal(e.field, field);
      else assert.match(e.field, field);
      assert.match(e.reason, reason);
      assert.match(e.message, new RegExp(`^CDI spec ${file.replace(/\./g, '\\.')}: `));
      return true;
    },
  );
}

const dev = (edits: string) => `cdiVersion: 0.6.0\nkind: v.com/c\ndevices:\n  - name: d\n    containerEdits:\n${edits}`;

test('hostile or broken files are refused naming the field', () => {
  bad('cdiVersion: 0.6.0\nkind: v.com/c\ndevices: []\n', 'devices', /at least one device/);
  bad('kind: v.com/c\ndevices: [{name: d, containerEdits: {env: [A=1]}}]\n', 'cdiVersion', /required/);
  bad('cdiVersion: 9.9.9\nkind: v.com/c\ndevices: [{name: d, containerEdits: {env: [A=1]}}]\n', 'cdiVersion', /not a released/);
  bad('cdiVersion: 0.6.0\nkind: vendor\ndevices: [{name: d, containerEdits: {env: [A=1]}}]\n', 'kind', /vendor\/class/);
  bad('cdiVersion: 0.6.0\nkind: v.com/c/x\ndevices: [{name: d, containerEdits: {env: [A=1]}}]\n', 'kind', /vendor\/class/);
  bad('cdiVersion: 0.6.0\nkind: 1v.com/c\ndevices: [{name: d, containerEdits: {env: [A=1]}}]\n', 'kind', /vendor .*start with a letter/);
  bad('cdiVersion: 0.6.0\nkind: v.com/c\nextra: 1\ndevices: [{name: d, containerEdits: {env: [A=1]}}]\n', 'extra', /unknown field/);
  bad('cdiVersion: 0.6.0\nkind: v.com/c\ndevices: [{name: "-d", containerEdits: {env: [A=1]}}]\n', 'devices[0].name', /start with a letter or digit/);
  bad('cdiVersion: 0.6.0\nkind: v.com/c\ndevices: [{name: d, containerEdits: {env: [A=1]}}, {name: d, containerEdits: {env: [A=1]}}]\n', 'devices[1].name', /twice/);
  bad('cdiVersion: 0.6.0\nkind: v.com/c\ndevices: [{name: d}]\n', 'devices[0].containerEdits', /at least one edit/);
  bad(dev('      env: ["=x"]\n'), 'devices[0].containerEdits.env[0]', /NAME=value/);
  bad(dev('      deviceNodes: [{path: dev/x}]\n'), 'devices[0].containerEdits.deviceNodes[0].path', /absolute/);
  bad(dev('      deviceNodes: [{path: /dev/x, type: z}]\n'), 'devices[0].containerEdits.deviceNodes[0].type', /not one of/);
  bad(dev('      deviceNodes: [{path: /dev/x, permissions: rwx}]\n'), 'devices[0].containerEdits.deviceNodes[0].permissions', /r, w, m/);
  bad(dev('      deviceNodes: [{path: /dev/x, major: 1.5}]\n'), 'devices[0].containerEdits.deviceNodes[0].major', /integer/);
  bad(dev('      deviceNodes: [{path: /dev/x, major: -1}]\n'), 'devices[0].containerEdits.deviceNodes[0].major', /outside/);
  bad(dev('      deviceNodes: [{path: /dev/x, fileMode: 99999}]\n'), 'devices[0].containerEdits.deviceNodes[0].fileMode', /outside/);
  bad(dev('      deviceNodes: [{path: /dev/x, uid: "0"}]\n'), 'devices[0].containerEdits.deviceNodes[0].uid', /integer/);
  bad(dev('      mounts: [{hostPath: /a, containerPath: b}]\n'), 'devices[0].containerEdits.mounts[0].containerPath', /absolute/);
  bad(dev('      mounts: [{hostPath: /a, containerPath: /b/../../etc}]\n'), 'devices[0].containerEdits.mounts[0].containerPath', /\.\./);
  bad(dev('      mounts: [{containerPath: /b}]\n'), 'devices[0].containerEdits.mounts[0].hostPath', /required/);
  bad(dev('      hooks: [{hookName: preStart, path: /bin/true}]\n'), 'devices[0].containerEdits.hooks[0].hookName', /not one of/);
  bad(dev('      hooks: [{hookName: poststop, path: bin/true}]\n'), 'devices[0].containerEdits.hooks[0].path', /absolute/);
  bad(dev('      hooks: [{hookName: poststop, path: /bin/true, timeout: 0}]\n'), 'devices[0].containerEdits.hooks[0].timeout', /outside/);
  bad(dev('      hooks: [{hookName: poststop, path: /bin/true, env: [X]}]\n'), 'devices[0].containerEdits.hooks[0].env[0]', /NAME=value/);
  bad(dev('      additionalGids: [4294967296]\n'), 'devices[0].containerEdits.additionalGids[0]', /outside/);
  bad(dev('      env: "A=1"\n'), 'devices[0].containerEdits.env', /list of strings/);
  bad(dev('      deviceNodes: [{path: "/dev/x\\0y"}]\n'), 'devices[0].containerEdits.deviceNodes[0].path', /NUL/);
});

test('YAML traps: duplicate keys, several documents, alias bombs, tabs, and non-objects are refused', () => {
  bad('cdiVersion: 0.6.0\ncdiVersion: 0.5.0\nkind: v.com/c\n', '', /YAML/);
  bad('cdiVersion: 0.6.0\n---\nkind: v.com/c\n', '', /YAML/);
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
  bad(bomb.join('\n'), '', /YAML/);
  bad('- just\n- a list\n', '', /object/);
  bad('{{{', '', /YAML/);
  bad('{"cdiVersion": "0.6.0",', '', /JSON/, '/etc/cdi/bad.json');
  bad('"a string"', '', /object/, '/etc/cdi/bad.json');
  bad('{"__proto__": {"x": 1}, "cdiVersion": "0.6.0", "kind": "v.com/c", "devices": []}', '__proto__', /unknown field/, '/etc/cdi/bad.json');
  bad('x'.repeat(1024 * 1024 + 1), '', /larger than/);
});

test('an edit Berth cannot apply parses but is marked', () => {
  const s = parseCdiSpec(dev('      netDevices: [{hostInterfaceName: eth1, name: net0}]\n'), '/etc/cdi/n.yaml', yamlLib);
  assert.deepEqual(s.devices.get('d')?.unsupported, ['netDevices']);
});

test('qualified names and the CDI annotations', () => {
  assert.deepEqual(parseQualifiedName('vendor.com/gpu=0'), { vendor: 'vendor.com', class: 'gpu', name: '0' });
  assert.deepEqual(parseQualifiedName('nvidia.com/gpu=GPU-a:b.c_d'), { vendor: 'nvidia.com', class: 'gpu', name: 'GPU-a:b.c_d' });
  for (const badName of ['gpu0', 'vendor.com/gpu', '/dev/null', 'vendor.com=gpu', '=x', 'vendor.com/gpu=', 'vendor.com/gpu=-x', 'vendor.com/g$u=x', '1v.com/gpu=x']) {
    assert.equal(typeof parseQualifiedName(badName), 'string', badName);
  }
  assert.deepEqual(devicesFromAnnotations({ 'cdi.k8s.io/b': 'v.com/c=1, v.com/c=2', 'other/x': 'v.com/c=9', 'cdi.k8s.io/a': 'v.com/c=0' }), [
    { device: 'v.com/c=0', field: 'annotations["cdi.k8s.io/a"]' },
    { device: 'v.com/c=1', field: 'annotations["cdi.k8s.io/b"]' },
    { device: 'v.com/c=2', field: 'annotations["cdi.k8s.io/b"]' },
  ]);
});

const spec = (file: string, kind: string, devices: Record<string, string[]>, env: string[] = []) =>
  parseCdiSpec(JSON.stringify({ cdiVersion: '0.6.0', kind, containerEdits: env.length ? { env } : undefined, devices: Object.entries(devices).map(([name, e]) => ({ name, containerEdits: { env: e } })) }), file);

function rejects(fn: () => unknown, code: Code, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof BerthError && e.code === code && re.test(e.message));
}

test('resolution: spec edits once, then each device; duplicates once; unknown and malformed names', () => {
  const a = spec('/etc/cdi/a.json', 'v.com/gpu', { '0': ['G=0'], '1': ['G=1'] }, ['LIB=1']);
  const reg = buildRegistry([{ spec: a, priority: 0 }], []);
  const r = resolveCdiDevices(reg, [
    { device: 'v.com/gpu=0', field: 'CDI_devices[0].name' },
    { device: 'v.com/gpu=1', field: 'CDI_devices[1].name' },
    { device: 'v.com/gpu=0', field: 'annotations["cdi.k8s.io/x"]' },
  ]);
  assert.deepEqual(r.edits.env, ['LIB=1', 'G=0', 'G=1']);
  rejects(() => resolveCdiDevices(reg, [{ device: 'v.com/gpu=7', field: 'CDI_devices[0].name' }]), Code.NotFound, /^cri: CDI_devices\[0\]\.name: CDI device "v\.com\/gpu=7" is not defined by any spec file$/);
  rejects(() => resolveCdiDevices(reg, [{ device: 'gpu7', field: 'CDI_devices[2].name' }]), Code.InvalidArgument, /CDI_devices\[2\]\.name: "gpu7" is not a qualified/);
});

test('priorities: a later directory replaces a device; the same priority twice is a conflict; a bad file spoils nothing else', () => {
  const low = spec('/etc/cdi/x.json', 'v.com/gpu', { '0': ['FROM=etc'], '1': ['FROM=etc'] });
  const high = spec('/var/run/cdi/x.json', 'v.com/gpu', { '0': ['FROM=run'] });
  const twin1 = spec('/etc/cdi/t1.json', 'v.com/nic', { a: ['X=1'] });
  const twin2 = spec('/etc/cdi/t2.json', 'v.com/nic', { a: ['X=2'], b: ['X=b'] });
  const broken = new CdiSpecError('/etc/cdi/broken.yaml', 'devices[0].containerEdits.deviceNodes[0].path', 'must be an absolute path', 'v.com/fpga');
  const reg = buildRegistry([{ spec: low, priority: 0 }, { spec: twin1, priority: 0 }, { spec: twin2, priority: 0 }, { spec: high, priority: 1 }], [broken]);
  const env = (device: string) => resolveCdiDevices(reg, [{ device, field: 'f' }]).edits.env;
  assert.deepEqual(env('v.com/gpu=0'), ['FROM=run']);
  assert.deepEqual(env('v.com/gpu=1'), ['FROM=etc']);
  assert.deepEqual(env('v.com/nic=b'), ['X=b']);
  rejects(() => env('v.com/nic=a'), Code.FailedPrecondition, /more than one spec file.*\/etc\/cdi\/t1\.json, \/etc\/cdi\/t2\.json/);
  rejects(() => env('v.com/fpga=0'), Code.FailedPrecondition, /f: CDI device "v\.com\/fpga=0" is not available: CDI spec \/etc\/cdi\/broken\.yaml: devices\[0\]\.containerEdits\.deviceNodes\[0\]\.path: must be an absolute path/);
});

test('a requested device needing an edit Berth cannot apply is refused naming it', () => {
  const s = parseCdiSpec(dev('      netDevices: [{hostInterfaceName: eth1, name: net0}]\n'), '/etc/cdi/n.yaml', yamlLib);
  const reg = buildRegistry([{ spec: s, priority: 0 }], []);
  rejects(() => resolveCdiDevices(reg, [{ device: 'v.com/c=d', field: 'CDI_devices[0].name' }]), Code.FailedPrecondition, /needs netDevices \(\/etc\/cdi\/n\.yaml/);
});
