// The YAML subset reader used for crictl-style config files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml, YamlError } from '../../src/cli/common/yaml-parse.js';

test('a crictl pod config in YAML', () => {
  const text = `
# pod-config.yaml
metadata:
  name: nginx-sandbox
  namespace: default
  attempt: 1
  uid: "hdishd83djaidwnduwk28bcsb"
log_directory: /tmp
linux:
  security_context:
    namespace_options:
      network: 2   # NODE
  sysctls:
    net.ipv4.ip_unprivileged_port_start: "0"
dns_config:
  servers: [10.96.0.10, "8.8.8.8"]
  searches:
  - default.svc.cluster.local
  - 'svc.cluster.local'
port_mappings:
  - protocol: 0
    container_port: 80
    host_port: 8080
  - {container_port: 53, host_port: 5353, protocol: 1}
labels: {app: web, "tier": front}
annotations: {}
hostname: ""
---
`;
  assert.deepEqual(parseYaml(text), {
    metadata: { name: 'nginx-sandbox', namespace: 'default', attempt: 1, uid: 'hdishd83djaidwnduwk28bcsb' },
    log_directory: '/tmp',
    linux: { security_context: { namespace_options: { network: 2 } }, sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' } },
    dns_config: { servers: ['10.96.0.10', '8.8.8.8'], searches: ['default.svc.cluster.local', 'svc.cluster.local'] },
    port_mappings: [
      { protocol: 0, container_port: 80, host_port: 8080 },
      { container_port: 53, host_port: 5353, protocol: 1 },
    ],
    labels: { app: 'web', tier: 'front' },
    annotations: {},
    hostname: '',
  });
});

test('scalars', () => {
  assert.deepEqual(parseYaml('a: true\nb: ~\nc: 1.5\nd: -3\ne: "x # not a comment"\nf: it\'s\ng: \'it\'\'s\'\nh: 0x1f\ni: 10.96.0.10\nj:'), {
    a: true,
    b: null,
    c: 1.5,
    d: -3,
    e: 'x # not a comment',
    f: "it's",
    g: "it's",
    h: 31,
    i: '10.96.0.10',
    j: null,
  });
  assert.deepEqual(parseYaml('- a\n- - b\n  - c\n-\n  k: v'), ['a', ['b', 'c'], { k: 'v' }]);
  assert.equal(parseYaml(''), null);
});

test('unsupported or broken input is refused with the line', () => {
  assert.throws(() => parseYaml('a: |\n  text'), YamlError);
  assert.throws(() => parseYaml('a: &x 1'), /anchors/);
  assert.throws(() => parseYaml('a: 1\n   b: 2'), /line 2: unexpected indentation/);
  assert.throws(() => parseYaml('a: [1, 2'), YamlError);
  assert.throws(() => parseYaml('just text'), /expected "key: value"/);
});
