// CNI invocation building and result parsing (no plugins run here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cniArgsString, cniEnv, cniErrorMessage } from '../../src/pod/cni/plugin-exec.js';
import { cniIpRanges, pluginConfig, podCniArgs, podIpsFromResult } from '../../src/pod/cni/network-setup.js';
import type { CniNetworkList } from '../../src/pod/cni/network-config.js';

const list: CniNetworkList = {
  cniVersion: '1.0.0',
  name: 'berth',
  plugins: [
    { type: 'bridge', bridge: 'b0', ipam: { type: 'host-local' } },
    { type: 'portmap', capabilities: { portMappings: true, bandwidth: false } },
    { type: 'bandwidth', capabilities: { bandwidth: true } },
  ],
};

test('CNI environment and args', () => {
  const args = podCniArgs({ namespace: 'default', name: 'web', podId: 'abc', uid: 'u1' });
  assert.equal(cniArgsString(args), 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u1');
  const env = cniEnv({ command: 'ADD', plugin: '/usr/lib/cni/bridge', containerId: 'abc', netns: '/run/berth/ns/net/abc', ifName: 'eth0', args, binDirs: ['/opt/cni/bin', '/usr/lib/cni'], config: {} });
  assert.deepEqual(env, {
    CNI_COMMAND: 'ADD',
    CNI_CONTAINERID: 'abc',
    CNI_NETNS: '/run/berth/ns/net/abc',
    CNI_IFNAME: 'eth0',
    CNI_ARGS: cniArgsString(args),
    CNI_PATH: '/opt/cni/bin:/usr/lib/cni',
  });
});

test('plugin config: name and version injected, prevResult chained, only declared capabilities offered', () => {
  const rt = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' }], bandwidth: { ingressRate: 1 } };
  const first = pluginConfig(list, list.plugins[0]!, rt, undefined);
  assert.deepEqual(first, { type: 'bridge', bridge: 'b0', ipam: { type: 'host-local' }, name: 'berth', cniVersion: '1.0.0' });
  const prev = { cniVersion: '1.0.0', ips: [] };
  const second = pluginConfig(list, list.plugins[1]!, rt, prev);
  assert.deepEqual(second.runtimeConfig, { portMappings: rt.portMappings });
  assert.equal(second.prevResult, prev);
  assert.deepEqual(pluginConfig(list, list.plugins[2]!, {}, prev).runtimeConfig, undefined, 'nothing to offer');
  assert.deepEqual(pluginConfig(list, list.plugins[2]!, rt, prev).runtimeConfig, { bandwidth: { ingressRate: 1 } });
});

test('ipRanges from the pod CIDR', () => {
  assert.equal(cniIpRanges(''), undefined);
  assert.deepEqual(cniIpRanges('10.1.0.0/24, fd00:1::/64'), [[{ subnet: '10.1.0.0/24' }], [{ subnet: 'fd00:1::/64' }]]);
});

test('result parsing: sandbox interfaces only, IPv4 first, prefix stripped', () => {
  const result = {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'cni0', mac: 'aa' }, { name: 'veth1', mac: 'bb' }, { name: 'eth0', mac: 'cc', sandbox: '/run/berth/ns/net/x' }],
    ips: [
      { address: 'fd00:88::5/64', gateway: 'fd00:88::1', interface: 2 },
      { address: '10.88.0.5/16', gateway: '10.88.0.1', interface: 2 },
      { address: '10.88.0.1/16', interface: 0 },
      { address: '10.9.9.9/32' },
    ],
  };
  assert.deepEqual(podIpsFromResult(result), ['10.88.0.5', '10.9.9.9', 'fd00:88::5']);
  assert.deepEqual(podIpsFromResult({ cniVersion: '0.2.0', ip4: { ip: '10.1.2.3/24' }, ip6: { ip: 'fd::3/64' } }), ['10.1.2.3', 'fd::3']);
  assert.deepEqual(podIpsFromResult(undefined), []);
  assert.deepEqual(podIpsFromResult({ ips: [{ address: '10.0.0.2/24', interface: 0 }, { address: '10.0.0.2/24', interface: 0 }], interfaces: [{ sandbox: '/x' }] }), ['10.0.0.2']);
});

test('CNI error objects become readable messages', () => {
  assert.equal(cniErrorMessage('{"code":11,"msg":"failed to allocate","details":"range full"}'), 'failed to allocate; range full (CNI error 11)');
  assert.equal(cniErrorMessage('{"cniVersion":"1.0.0","code":7,"msg":"bad config"}'), 'bad config (CNI error 7)');
  assert.equal(cniErrorMessage('not json'), undefined);
});

test('portmap without port mappings is skipped (a no-op); with mappings it runs', async () => {
  const { isNoopPlugin } = await import('../../src/pod/cni/network-setup.js');
  const portmap = { type: 'portmap', capabilities: { portMappings: true } };
  assert.equal(isNoopPlugin(portmap, {}), true);
  assert.equal(isNoopPlugin(portmap, { portMappings: [] }), true);
  assert.equal(isNoopPlugin(portmap, { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] }), false);
  assert.equal(isNoopPlugin({ type: 'bridge' }, {}), false);
});
