// Pure parts of pod sandboxes: sysctl classification, pod file content,
// quantities, the mount table, node IPs, and RunPodSandbox validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodSandboxConfig } from '../../src/api/gen/api.js';
import { BerthError, Code } from '../../src/util/errors.js';
import { parseQuantity } from '../../src/util/quantity.js';
import { classifySysctls, normalizeSysctlName, procSysPath, sysctlNamespace } from '../../src/util/sysctls.js';
import { hostsContent, podFilePaths, resolvConfContent, validateHostname } from '../../src/pod/pod-files.js';
import { parseMountPoints } from '../../src/pod/mounts.js';
import { pickNodeIps } from '../../src/pod/node-info.js';
import { planPod, podKey } from '../../src/pod/sandbox-plan.js';
import { nsPinPaths } from '../../src/pod/namespaces.js';
import { infraSpec } from '../../src/pod/infra-spec.js';
import { checkCgroupParent } from '../../src/cgroups/paths.js';

const isInvalid = (e: unknown): boolean => e instanceof BerthError && e.code === Code.InvalidArgument;
const noHost = { net: false, ipc: false, uts: false };

test('quantities', () => {
  assert.equal(parseQuantity('64Mi'), 64 * 1024 * 1024);
  assert.equal(parseQuantity('10M'), 10_000_000);
  assert.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(parseQuantity('512'), 512);
  assert.equal(parseQuantity('100k'), 100_000);
  assert.equal(parseQuantity('64MB'), undefined);
  assert.equal(parseQuantity(''), undefined);
  assert.equal(parseQuantity('-1'), undefined);
});

test('sysctl names: slash form is converted as the kubelet does', () => {
  assert.equal(normalizeSysctlName('net.ipv4.ip_forward'), 'net.ipv4.ip_forward');
  assert.equal(normalizeSysctlName('net/ipv4/ip_forward'), 'net.ipv4.ip_forward');
  assert.equal(normalizeSysctlName('net/ipv4/conf/eno2.100/rp_filter'), 'net.ipv4.conf.eno2/100.rp_filter');
  assert.equal(procSysPath('net.ipv4.conf.eno2/100.rp_filter'), 'net/ipv4/conf/eno2.100/rp_filter');
  assert.equal(procSysPath('kernel.shm_rmid_forced'), 'kernel/shm_rmid_forced');
});

test('sysctl namespaces', () => {
  assert.equal(sysctlNamespace('net.core.somaxconn'), 'net');
  assert.equal(sysctlNamespace('kernel.shm_rmid_forced'), 'ipc');
  assert.equal(sysctlNamespace('kernel.shmmax'), 'ipc');
  assert.equal(sysctlNamespace('kernel.msgmax'), 'ipc');
  assert.equal(sysctlNamespace('kernel.sem'), 'ipc');
  assert.equal(sysctlNamespace('fs.mqueue.msg_max'), 'ipc');
  assert.equal(sysctlNamespace('kernel.hostname'), 'uts');
  assert.equal(sysctlNamespace('kernel.pid_max'), undefined);
  assert.equal(sysctlNamespace('vm.swappiness'), undefined);
  assert.equal(sysctlNamespace('kernel.semaphore'), undefined);
});

test('sysctls: classified, sorted; non-namespaced and host-namespace ones refused', () => {
  const s = classifySysctls({ 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shm_rmid_forced': '1' }, noHost);
  assert.deepEqual(s.map((x) => [x.name, x.ns, x.path, x.value]), [
    ['kernel.shm_rmid_forced', 'ipc', 'kernel/shm_rmid_forced', '1'],
    ['net.ipv4.ip_unprivileged_port_start', 'net', 'net/ipv4/ip_unprivileged_port_start', '0'],
  ]);
  assert.throws(() => classifySysctls({ 'vm.swappiness': '10' }, noHost), (e) => isInvalid(e) && /not namespaced/.test((e as Error).message));
  assert.throws(() => classifySysctls({ 'net.core.somaxconn': '10' }, { ...noHost, net: true }), (e) => isInvalid(e) && /shares with the node/.test((e as Error).message));
  assert.throws(() => classifySysctls({ 'kernel.msgmax': '10' }, { ...noHost, ipc: true }), isInvalid);
  assert.throws(() => classifySysctls({ 'net.ipv4..x': '1' }, noHost), isInvalid);
  assert.throws(() => classifySysctls({ 'net/../../etc/passwd': '1' }, noHost), isInvalid);
  assert.throws(() => classifySysctls({ 'net.core.somaxconn': '1\n2' }, noHost), isInvalid);
});

test('resolv.conf: from DNSConfig, else the host file verbatim', () => {
  assert.equal(
    resolvConfContent({ servers: ['10.96.0.10', '8.8.8.8'], searches: ['default.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5', 'edns0'] }, 'HOST'),
    'search default.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\nnameserver 8.8.8.8\noptions ndots:5 edns0\n',
  );
  assert.equal(resolvConfContent({ servers: ['1.1.1.1'], searches: [], options: [] }, 'HOST'), 'nameserver 1.1.1.1\n');
  assert.equal(resolvConfContent(undefined, 'nameserver 9.9.9.9\n'), 'nameserver 9.9.9.9\n');
  assert.equal(resolvConfContent({ servers: [], searches: [], options: [] }, 'H\n'), 'H\n');
});

test('hosts: localhost entries plus the pod name on each IP; the host file for host-network pods', () => {
  const h = hostsContent({ hostname: 'web-0', ips: ['10.88.0.5', 'fd00::5'], hostNetwork: false, hostHosts: 'X' });
  assert.match(h, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
  assert.match(h, /\n10\.88\.0\.5\tweb-0\nfd00::5\tweb-0\n$/);
  assert.equal(hostsContent({ hostname: 'n', ips: ['1.2.3.4'], hostNetwork: true, hostHosts: 'HOSTS\n' }), 'HOSTS\n');
});

test('hostnames', () => {
  validateHostname('web-0');
  validateHostname('a.b-c.d');
  validateHostname('');
  assert.throws(() => validateHostname('-bad'), isInvalid);
  assert.throws(() => validateHostname('under_score'), isInvalid);
  assert.throws(() => validateHostname('x'.repeat(65)), isInvalid);
});

test('paths under state', () => {
  assert.deepEqual(podFilePaths('/run/berth', 'abc'), {
    dir: '/run/berth/pods/abc',
    hostname: '/run/berth/pods/abc/hostname',
    hosts: '/run/berth/pods/abc/hosts',
    resolvConf: '/run/berth/pods/abc/resolv.conf',
    shm: '/run/berth/pods/abc/shm',
  });
  assert.deepEqual(nsPinPaths('/run/berth', 'abc', ['net', 'ipc']), { net: '/run/berth/ns/net/abc', ipc: '/run/berth/ns/ipc/abc' });
});

test('mountinfo parsing decodes octal escapes', () => {
  const text = [
    '22 27 0:21 / /proc rw,relatime - proc proc rw',
    '55 42 0:4 net:[4026532252] /run/berth/ns/net/abc rw - nsfs nsfs rw',
    '60 27 0:50 / /mnt/with\\040space rw - tmpfs tmpfs rw',
    '',
  ].join('\n');
  const m = parseMountPoints(text);
  assert.ok(m.has('/proc'));
  assert.ok(m.has('/run/berth/ns/net/abc'));
  assert.ok(m.has('/mnt/with space'));
  assert.equal(m.size, 3);
});

test('node IPs: first global IPv4 then IPv6, loopback and link-local skipped', () => {
  const ips = pickNodeIps({
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '', mac: '', cidr: null }],
    eth0: [
      { address: 'fe80::1', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 2 },
      { address: '192.0.2.2', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null },
      { address: 'fd00::2', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 0 },
    ],
  });
  assert.deepEqual(ips, ['192.0.2.2', 'fd00::2']);
});

const ctx = { handlers: ['runc', 'crun'], defaultHandler: 'runc', nodeHostname: 'node1', cgroupParent: (r: string) => checkCgroupParent('cgroupfs', r) };
const base = (over: Record<string, unknown> = {}): PodSandboxConfig =>
  PodSandboxConfig.fromJSON({ metadata: { name: 'web', namespace: 'default', uid: 'u1', attempt: 0 }, ...over });

test('plan: crictl defaults give a pod with its own net/uts/ipc and an infra process', () => {
  const p = planPod(base({ hostname: 'web-0' }), '', ctx);
  assert.equal(p.runtimeHandler, 'runc');
  assert.deepEqual(p.ownNamespaces, ['net', 'uts', 'ipc']);
  assert.equal(p.hostNetwork, false);
  assert.equal(p.needsInfra, true, 'pid POD is the proto3 zero value');
  assert.equal(p.hostname, 'web-0');
  assert.equal(p.key, 'web_default_u1_0');
  assert.equal(p.cgroupParent, '/berth', 'default cgroup parent (cgroupfs)');
  assert.equal(planPod(base({ linux: { cgroup_parent: '/kubepods/besteffort/podu1' } }), '', ctx).cgroupParent, '/kubepods/besteffort/podu1');
  assert.equal(planPod(base(), '', { ...ctx, cgroupParent: (r: string) => checkCgroupParent('systemd', r) }).cgroupParent, 'system.slice');
  assert.equal(podKey(p.metadata), p.key);
});

test('plan: host network keeps the node UTS; host IPC; pid NODE needs no infra; empty hostname → node', () => {
  const p = planPod(base({ linux: { security_context: { namespace_options: { network: 2, ipc: 2, pid: 2 } } } }), 'crun', ctx);
  assert.deepEqual(p.ownNamespaces, []);
  assert.equal(p.hostNetwork, true);
  assert.equal(p.needsInfra, false);
  assert.equal(p.hostname, 'node1');
  assert.equal(p.runtimeHandler, 'crun');
  const q = planPod(base({ linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER' } } } }), '', ctx);
  assert.deepEqual(q.ownNamespaces, ['ipc']);
  assert.equal(q.needsInfra, false);
});

test('plan: port mappings and bandwidth become CNI capabilities', () => {
  const p = planPod(
    base({
      port_mappings: [{ protocol: 0, container_port: 80, host_port: 8080 }, { protocol: 1, container_port: 53, host_port: 5353, host_ip: '127.0.0.1' }, { container_port: 9000 }],
      annotations: { 'kubernetes.io/ingress-bandwidth': '10M', 'kubernetes.io/egress-bandwidth': '1Mi' },
    }),
    '',
    ctx,
  );
  assert.deepEqual(p.portMappings, [
    { hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' },
    { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' },
  ]);
  assert.deepEqual(p.bandwidth, { ingressRate: 10_000_000, ingressBurst: 4294967295, egressRate: 1048576, egressBurst: 4294967295 });
});

test('plan: refusals are InvalidArgument', () => {
  assert.throws(() => planPod(undefined, '', ctx), isInvalid);
  assert.throws(() => planPod(PodSandboxConfig.fromJSON({ metadata: { name: 'x' } }), '', ctx), isInvalid);
  assert.throws(() => planPod(base(), 'kata', ctx), (e) => isInvalid(e) && /runtime handler "kata" is not configured \(have: runc, crun\)/.test((e as Error).message));
  assert.throws(() => planPod(base({ linux: { sysctls: { 'kernel.pid_max': '1000' } } }), '', ctx), isInvalid);
  assert.throws(() => planPod(base({ linux: { securityContext: { namespaceOptions: { network: 1 } } } }), '', ctx), isInvalid);
  assert.throws(() => planPod(base({ linux: { securityContext: { namespaceOptions: { pid: 3 } } } }), '', ctx), /target_id/);
  assert.throws(() => planPod(base({ linux: { securityContext: { namespaceOptions: { usernsOptions: { mode: 0 } } } } }), '', ctx), /userns_options\.uids: a user namespace needs at least one mapping/);
  assert.throws(() => planPod(base({ hostname: 'bad_name' }), '', ctx), isInvalid);
  assert.throws(() => planPod(base({ linux: { cgroup_parent: '/kubepods/../x' } }), '', ctx), isInvalid);
  assert.throws(() => planPod(base({ annotations: { 'kubernetes.io/ingress-bandwidth': 'fast' } }), '', ctx), isInvalid);
});

test('infra spec: catatonit -P as PID 1, joining the pinned namespaces, no oomScoreAdj', () => {
  const spec = infraSpec({ podId: 'p1', podName: 'web', podNamespace: 'default', podUid: 'u1', rootfs: '/var/lib/berth/infra/rootfs', pins: { net: '/n', uts: '/u' }, cgroupsPath: '/berth/p1' }) as {
    process: { args: string[]; oomScoreAdj?: number; capabilities: { bounding: string[] } };
    root: { path: string; readonly: boolean };
    linux: { namespaces: { type: string; path?: string }[]; cgroupsPath: string };
  };
  assert.deepEqual(spec.process.args, ['/catatonit', '-P']);
  assert.equal(spec.process.oomScoreAdj, undefined);
  assert.deepEqual(spec.process.capabilities.bounding, []);
  assert.deepEqual(spec.root, { path: '/var/lib/berth/infra/rootfs', readonly: true });
  assert.deepEqual(spec.linux.namespaces, [{ type: 'pid' }, { type: 'mount' }, { type: 'network', path: '/n' }, { type: 'uts', path: '/u' }], 'no ipc entry: host IPC');
  assert.equal(spec.linux.cgroupsPath, '/berth/p1');
});
