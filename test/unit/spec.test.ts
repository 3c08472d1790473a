// buildOciSpec and its helpers, field by field, without root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ContainerConfig,
  MountPropagation,
  NamespaceMode,
  PodSandboxConfig,
  SecurityProfile_ProfileType,
  Signal,
} from '../../src/api/gen/api.js';
import type { DeepPartial } from '../../src/api/gen/api.js';
import type { OciSpec } from '../../src/container/oci-spec-types.js';
import { DEFAULT_SECCOMP_PROFILE } from '../../src/container/seccomp-default.js';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  buildOciSpec,
  capabilitiesFromMask,
  confinementWhenUnset,
  resolveSeccompChoice,
  resolveStopSignal,
  signalNumber,
  type SpecInput,
} from '../../src/container/spec.js';
import { BerthError, Code } from '../../src/util/errors.js';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NS = { network: '/run/berth/ns/net/p1', ipc: '/run/berth/ns/ipc/p1', uts: '/run/berth/ns/uts/p1' };
const POD_FILES = { hosts: '/run/berth/pods/p1/hosts', resolvConf: '/run/berth/pods/p1/resolv.conf', hostname: '/run/berth/pods/p1/hostname', shm: '/run/berth/pods/p1/shm' };

interface Over {
  config?: DeepPartial<ContainerConfig>;
  sandbox?: DeepPartial<PodSandboxConfig>;
  input?: Partial<SpecInput>;
  host?: Partial<SpecInput['host']>;
}

/** A busybox-like image, a pod with its own namespaces, an unconfined container. */
function input(o: Over = {}): SpecInput {
  return {
    id: 'c1',
    sandboxId: 'p1',
    config: ContainerConfig.fromPartial({ metadata: { name: 'app' }, image: { image: 'busybox:latest' }, ...o.config }),
    sandboxConfig: PodSandboxConfig.fromPartial({
      metadata: { name: 'pod', namespace: 'default', uid: 'uid-1' },
      hostname: 'pod-host',
      linux: { securityContext: { namespaceOptions: { pid: NamespaceMode.CONTAINER } } },
      ...o.sandbox,
    }),
    image: { Cmd: ['sh'], Env: [PATH] },
    rootfs: { path: '/var/lib/berth/c1/rootfs' },
    user: { uid: 0, gid: 0, additionalGids: [0, 10] },
    namespaces: NS,
    podFiles: POD_FILES,
    seccomp: 'unconfined',
    ...o.input,
    host: {
      canLowerOomScoreAdj: true,
      currentOomScoreAdj: 0,
      cgroupV2: false,
      hostHasApparmor: false,
      hostHasSelinux: false,
      arch: 'amd64',
      hostname: 'node-1',
      ...o.host,
    },
  };
}

const build = (o: Over = {}): OciSpec => buildOciSpec(input(o));
const invalid = (o: Over, msg: RegExp) =>
  assert.throws(
    () => build(o),
    (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument && msg.test(e.message),
    String(msg),
  );
const sc = (s: DeepPartial<NonNullable<NonNullable<ContainerConfig['linux']>['securityContext']>>): DeepPartial<ContainerConfig> => ({ linux: { securityContext: s } });
const privilegedPod: DeepPartial<PodSandboxConfig> = { hostname: 'pod-host', linux: { securityContext: { privileged: true, namespaceOptions: { pid: NamespaceMode.CONTAINER } } } };

test('a minimal container: the whole spec', () => {
  const s = build();
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s, 'plain JSON: no undefined, no bigint');
  assert.equal(s.ociVersion, '1.0.2-dev');
  // Nothing else: no oomScoreAdj without resources (inherited), no rlimits (containerd sets none), no AppArmor here.
  assert.deepEqual(s.process, {
    terminal: false,
    user: { uid: 0, gid: 0, additionalGids: [0, 10] },
    args: ['sh'],
    env: [PATH, 'HOSTNAME=pod-host'],
    cwd: '/',
    capabilities: {
      bounding: [...DEFAULT_CAPABILITIES].sort((a, b) => ALL_CAPABILITIES.indexOf(a) - ALL_CAPABILITIES.indexOf(b)),
      effective: [...DEFAULT_CAPABILITIES].sort((a, b) => ALL_CAPABILITIES.indexOf(a) - ALL_CAPABILITIES.indexOf(b)),
      permitted: [...DEFAULT_CAPABILITIES].sort((a, b) => ALL_CAPABILITIES.indexOf(a) - ALL_CAPABILITIES.indexOf(b)),
      inheritable: [],
      ambient: [],
    },
    noNewPrivileges: false,
  });
  assert.deepEqual(s.root, { path: '/var/lib/berth/c1/rootfs', readonly: false });
  assert.equal(s.hostname, 'pod-host');
  assert.deepEqual(s.linux.namespaces, [
    { type: 'pid' },
    { type: 'ipc', path: NS.ipc },
    { type: 'uts', path: NS.uts },
    { type: 'mount' },
    { type: 'network', path: NS.network },
  ]);
  assert.deepEqual(s.linux.maskedPaths, [...DEFAULT_MASKED_PATHS]);
  assert.deepEqual(s.linux.readonlyPaths, [...DEFAULT_READONLY_PATHS]);
  assert.deepEqual(s.linux.resources, { devices: [{ allow: false, access: 'rwm' }] });
  assert.equal(s.linux.seccomp, undefined);
  assert.equal(s.linux.cgroupsPath, undefined);
  assert.equal(s.linux.sysctl, undefined);
  assert.deepEqual(
    s.mounts.map((m) => m.destination),
    // containerd's order for the pod's files; equal depth keeps it.
    ['/proc', '/dev', '/dev/pts', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/dev/shm'],
  );
});

test('the default capability set is containerd\'s 14', () => {
  assert.deepEqual(
    [...DEFAULT_CAPABILITIES].sort(),
    ['CAP_AUDIT_WRITE', 'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_MKNOD', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT'],
  );
  assert.equal(ALL_CAPABILITIES.length, 41);
});

// ---- process ----

test('args: command/args against the image Entrypoint/Cmd (the kubelet\'s table)', () => {
  const img = { Entrypoint: ['/ep', '-x'], Cmd: ['c1', 'c2'] };
  const args = (config: DeepPartial<ContainerConfig>, image: SpecInput['image'] = img) => build({ config, input: { image } }).process.args;
  assert.deepEqual(args({}), ['/ep', '-x', 'c1', 'c2']);
  assert.deepEqual(args({ command: ['/cmd'] }), ['/cmd'], 'command replaces Entrypoint and drops Cmd');
  assert.deepEqual(args({ args: ['a1'] }), ['/ep', '-x', 'a1'], 'args replace Cmd');
  assert.deepEqual(args({ command: ['/cmd'], args: ['a1'] }), ['/cmd', 'a1']);
  assert.deepEqual(args({}, { Entrypoint: [''], Cmd: ['c1'] }), ['c1'], 'ENTRYPOINT [""] is none');
  assert.deepEqual(args({}, { Entrypoint: null, Cmd: ['c1'] }), ['c1']);
  assert.deepEqual(args({ args: ['a1'] }, { Cmd: ['c1'] }), ['a1']);
  invalid({ input: { image: {} } }, /^cri: command: no command given, and the image has neither Entrypoint nor Cmd/);
  invalid({ input: { image: { Entrypoint: [''] } } }, /command: no command given/);
});

test('env: PATH default, image Env, CRI envs override in place, HOSTNAME, TERM for a tty', () => {
  const env = (o: Over) => build(o).process.env;
  assert.deepEqual(env({ input: { image: { Cmd: ['sh'] } } }), [PATH, 'HOSTNAME=pod-host'], 'default PATH when the image has none');
  assert.deepEqual(env({ input: { image: { Cmd: ['sh'], Env: ['PATH=/bin', 'A=1', 'B=2'] } }, config: { envs: [{ key: 'A', value: 'x=y' }, { key: 'C', value: '' }] } }), [
    'PATH=/bin',
    'HOSTNAME=pod-host',
    'A=x=y',
    'B=2',
    'C=',
  ]);
  assert.deepEqual(env({ config: { envs: [{ key: 'HOSTNAME', value: 'mine' }] } }), [PATH, 'HOSTNAME=mine']);
  assert.deepEqual(env({ sandbox: { hostname: '' } }), [PATH, 'HOSTNAME=node-1'], 'the node name when the pod has none');
  assert.deepEqual(env({ config: { tty: true } }), [PATH, 'TERM=xterm', 'HOSTNAME=pod-host']);
  assert.deepEqual(env({ config: { tty: true }, input: { image: { Cmd: ['sh'], Env: ['TERM=vt100'] } } }), [PATH, 'TERM=vt100', 'HOSTNAME=pod-host']);
  assert.deepEqual(env({ input: { image: { Cmd: ['sh'], Env: ['A=1', 'A'] } } }), [PATH, 'HOSTNAME=pod-host'], 'a bare KEY in the image unsets it');
  invalid({ config: { envs: [{ key: 'A', value: '1' }, { key: '', value: '2' }] } }, /envs\[1\]\.key: "" is not a valid variable name/);
  invalid({ config: { envs: [{ key: 'A=B', value: '2' }] } }, /envs\[0\]\.key/);
});

test('cwd: working_dir, then the image WorkingDir, then /', () => {
  assert.equal(build({ config: { workingDir: '/app' }, input: { image: { Cmd: ['sh'], WorkingDir: '/img' } } }).process.cwd, '/app');
  assert.equal(build({ input: { image: { Cmd: ['sh'], WorkingDir: '/img' } } }).process.cwd, '/img');
  assert.equal(build().process.cwd, '/');
  invalid({ config: { workingDir: 'app' } }, /working_dir: "app" must be absolute/);
  invalid({ input: { image: { Cmd: ['sh'], WorkingDir: 'img' } } }, /image config WorkingDir: "img" must be absolute/);
});

test('terminal and user', () => {
  assert.equal(build({ config: { tty: true, stdin: true } }).process.terminal, true);
  assert.deepEqual(build({ input: { user: { uid: 1000, gid: 3000, additionalGids: [3000, 1234, 50000] } } }).process.user, {
    uid: 1000,
    gid: 3000,
    additionalGids: [1234, 3000, 50000],
  });
});

test('no_new_privs', () => {
  assert.equal(build({ config: sc({ noNewPrivs: true }) }).process.noNewPrivileges, true);
  assert.equal(build({ config: sc({ noNewPrivs: false }) }).process.noNewPrivileges, false);
  assert.equal(buildOciSpec({ ...input({ config: sc({ noNewPrivs: false }) }), forceNoNewPrivs: true }).process.noNewPrivileges, true, 'the daemon policy adds it');
});

test('confinementWhenUnset: defaults only for a request naming no seccomp profile, never privileged', () => {
  const P = SecurityProfile_ProfileType;
  const on = { seccompDefault: true, noNewPrivsDefault: true };
  const decide = (securityContext: object | undefined, o: Partial<Parameters<typeof confinementWhenUnset>[0]> = {}) =>
    confinementWhenUnset({ privileged: false, securityContext, ...on, ...o });
  assert.deepEqual(decide(undefined), { whenUnset: 'runtime-default', forceNoNewPrivs: true });
  assert.deepEqual(decide({ seccompProfilePath: '' }), { whenUnset: 'runtime-default', forceNoNewPrivs: true });
  // What the kubelet sends for a pod without a profile: explicit Unconfined, taken as asked.
  assert.deepEqual(decide({ seccomp: { profileType: P.Unconfined, localhostRef: '' } }), { whenUnset: 'unconfined', forceNoNewPrivs: false });
  assert.deepEqual(decide({ seccomp: { profileType: P.RuntimeDefault, localhostRef: '' } }), { whenUnset: 'unconfined', forceNoNewPrivs: false });
  assert.deepEqual(decide({ seccompProfilePath: 'unconfined' }), { whenUnset: 'unconfined', forceNoNewPrivs: false });
  assert.deepEqual(decide(undefined, { privileged: true }), { whenUnset: 'unconfined', forceNoNewPrivs: false });
  assert.deepEqual(decide(undefined, { seccompDefault: false }), { whenUnset: 'unconfined', forceNoNewPrivs: true });
  assert.deepEqual(decide(undefined, { noNewPrivsDefault: false }), { whenUnset: 'runtime-default', forceNoNewPrivs: false });
});

// ---- capabilities ----

const caps = (o: Over) => build(o).process.capabilities!;
const capsWith = (add: string[], drop: string[] = [], ambient: string[] = [], host?: readonly string[]) =>
  caps({ config: sc({ capabilities: { addCapabilities: add, dropCapabilities: drop, addAmbientCapabilities: ambient } }), host: host ? { capabilities: host } : {} });

test('capabilities: add and drop, with or without the CAP_ prefix, any case', () => {
  const c = capsWith(['NET_ADMIN', 'cap_sys_time'], ['NET_RAW', 'CAP_MKNOD']);
  assert.ok(c.bounding.includes('CAP_NET_ADMIN'));
  assert.ok(c.bounding.includes('CAP_SYS_TIME'));
  assert.ok(!c.bounding.includes('CAP_NET_RAW'));
  assert.ok(!c.bounding.includes('CAP_MKNOD'));
  assert.equal(c.bounding.length, 14);
  assert.deepEqual(c.effective, c.bounding);
  assert.deepEqual(c.permitted, c.bounding);
  assert.deepEqual(c.inheritable, []);
});

test('capabilities: ALL', () => {
  assert.deepEqual(capsWith(['ALL']).bounding, [...ALL_CAPABILITIES]);
  assert.deepEqual(capsWith([], ['ALL']).bounding, []);
  assert.deepEqual(capsWith(['all'], ['CHOWN']).bounding, ALL_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN'), 'everything but CHOWN');
  assert.deepEqual(capsWith(['CHOWN'], ['ALL']).bounding, ['CAP_CHOWN'], 'only CHOWN');
  assert.deepEqual(capsWith(['ALL'], ['ALL']).bounding, []);
  assert.deepEqual(capsWith(['NET_ADMIN'], ['NET_ADMIN']).bounding.includes('CAP_NET_ADMIN'), false, 'drop wins');
});

test('capabilities: nothing berthd lacks (no CAP_SYS_RESOURCE here)', () => {
  const host = capabilitiesFromMask('000001fffeffffff');
  assert.equal(host.length, 40);
  assert.ok(!host.includes('CAP_SYS_RESOURCE'));
  assert.deepEqual(capsWith(['ALL'], [], [], host).bounding, host);
  const priv = caps({ config: sc({ privileged: true }), sandbox: privilegedPod, host: { capabilities: host } });
  assert.deepEqual(priv.bounding, host);
  // A default capability the host lacks is left out quietly.
  assert.ok(!capsWith([], [], [], ['CAP_CHOWN']).bounding.includes('CAP_KILL'));
  invalid({ config: sc({ capabilities: { addCapabilities: ['SYS_RESOURCE'] } }), host: { capabilities: host } }, /add_capabilities\[0\]: CAP_SYS_RESOURCE is not held by berthd/);
});

test('capabilities: unknown names are errors naming the field', () => {
  invalid({ config: sc({ capabilities: { addCapabilities: ['NET_ADMIN', 'NET_ADMN'] } }) }, /linux\.security_context\.capabilities\.add_capabilities\[1\]: unknown capability "NET_ADMN"/);
  invalid({ config: sc({ capabilities: { dropCapabilities: ['FOO'] } }) }, /drop_capabilities\[0\]: unknown capability "FOO"/);
  invalid({ config: sc({ capabilities: { addAmbientCapabilities: ['ALL'] } }) }, /add_ambient_capabilities\[0\]: unknown capability "ALL"/);
});

test('capabilities: ambient ones are also permitted, inheritable, effective and bounding', () => {
  const c = capsWith([], ['ALL'], ['NET_BIND_SERVICE']);
  assert.deepEqual(c, {
    bounding: ['CAP_NET_BIND_SERVICE'],
    effective: ['CAP_NET_BIND_SERVICE'],
    permitted: ['CAP_NET_BIND_SERVICE'],
    inheritable: ['CAP_NET_BIND_SERVICE'],
    ambient: ['CAP_NET_BIND_SERVICE'],
  });
});

test('capabilities: privileged means all of berthd\'s, whatever add/drop say', () => {
  const c = caps({ config: sc({ privileged: true, capabilities: { dropCapabilities: ['ALL'] } }), sandbox: privilegedPod });
  assert.deepEqual(c.bounding, [...ALL_CAPABILITIES]);
  assert.deepEqual(c.inheritable, []);
});

test('capabilitiesFromMask', () => {
  assert.deepEqual(capabilitiesFromMask('0000000000000000'), []);
  assert.deepEqual(capabilitiesFromMask('00000000a80425fb'), [
    'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP',
    'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_MKNOD', 'CAP_AUDIT_WRITE', 'CAP_SETFCAP',
  ]);
});

// ---- privileged ----

test('privileged needs a privileged pod; then no masking, writable /sys, all devices, no seccomp', () => {
  invalid({ config: sc({ privileged: true }) }, /linux\.security_context\.privileged: the pod sandbox is not privileged/);
  const s = build({ config: sc({ privileged: true }), sandbox: privilegedPod, input: { seccomp: DEFAULT_SECCOMP_PROFILE } });
  assert.equal(s.linux.maskedPaths, undefined);
  assert.equal(s.linux.readonlyPaths, undefined);
  assert.deepEqual(s.mounts.find((m) => m.destination === '/sys')?.options, ['nosuid', 'noexec', 'nodev']);
  assert.deepEqual(s.mounts.find((m) => m.destination === '/sys/fs/cgroup')?.options, ['nosuid', 'noexec', 'nodev', 'relatime']);
  assert.deepEqual(s.linux.resources?.devices, [{ allow: false, access: 'rwm' }, { allow: true, access: 'rwm' }]);
  assert.equal(s.linux.seccomp, undefined);
});

// ---- masked and read-only paths ----

test('masked/readonly paths: the defaults, the CRI lists instead, none when privileged', () => {
  assert.deepEqual(DEFAULT_MASKED_PATHS, ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi']);
  assert.deepEqual(DEFAULT_READONLY_PATHS, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  const s = build({ config: sc({ maskedPaths: ['/bin/ls'], readonlyPaths: ['/tmp/'] }) });
  assert.deepEqual(s.linux.maskedPaths, ['/bin/ls'], 'critest: exactly the given list');
  assert.deepEqual(s.linux.readonlyPaths, ['/tmp']);
  const onlyMasked = build({ config: sc({ maskedPaths: ['/proc/kcore'] }) });
  assert.deepEqual(onlyMasked.linux.readonlyPaths, [...DEFAULT_READONLY_PATHS], 'each list on its own');
  invalid({ config: sc({ maskedPaths: ['proc/kcore'] }) }, /linux\.security_context\.masked_paths\[0\]: "proc\/kcore" must be absolute/);
  invalid({ config: sc({ readonlyPaths: ['/a', ''] }) }, /readonly_paths\[1\]: must not be empty/);
});

test('procMount Unmasked: both lists empty in a pod with its own user namespace unmasks /proc; elsewhere empty means the defaults', () => {
  const userns = (mode: NamespaceMode) => ({
    linux: { securityContext: { namespaceOptions: { pid: NamespaceMode.CONTAINER, usernsOptions: { mode, uids: [{ hostId: 100000, containerId: 0, length: 65536 }], gids: [{ hostId: 100000, containerId: 0, length: 65536 }] } } } },
  });
  const unmasked = build({ sandbox: userns(NamespaceMode.POD) });
  assert.equal(unmasked.linux.maskedPaths, undefined);
  assert.equal(unmasked.linux.readonlyPaths, undefined);
  const node = build({ sandbox: userns(NamespaceMode.NODE) });
  assert.deepEqual(node.linux.maskedPaths, [...DEFAULT_MASKED_PATHS], 'hostUsers: the kubelet never sends Unmasked');
  const plain = build({});
  assert.deepEqual(plain.linux.readonlyPaths, [...DEFAULT_READONLY_PATHS], 'no user namespace (crictl): the safe default');
  const asked = build({ sandbox: userns(NamespaceMode.POD), config: sc({ maskedPaths: ['/proc/kcore'] }) });
  assert.deepEqual(asked.linux.maskedPaths, ['/proc/kcore'], 'Default procMount: the kubelet sends the lists');
  assert.deepEqual(asked.linux.readonlyPaths, [...DEFAULT_READONLY_PATHS]);
});

// ---- mounts ----

const mount = (s: OciSpec, dst: string) => s.mounts.find((m) => m.destination === dst);

test('mounts: runtime defaults', () => {
  const s = build({ input: { podFiles: {} } });
  assert.deepEqual(s.mounts, [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ]);
});

test('mounts: the pod\'s files; read-only with a read-only rootfs; host /dev/shm with host IPC', () => {
  const s = build();
  assert.deepEqual(mount(s, '/etc/hosts'), { destination: '/etc/hosts', type: 'bind', source: POD_FILES.hosts, options: ['rbind', 'rprivate', 'rw'] });
  assert.deepEqual(mount(s, '/etc/resolv.conf')?.source, POD_FILES.resolvConf);
  assert.deepEqual(mount(s, '/etc/hostname')?.source, POD_FILES.hostname);
  assert.deepEqual(mount(s, '/dev/shm'), { destination: '/dev/shm', type: 'bind', source: POD_FILES.shm, options: ['rbind', 'rprivate', 'rw'] });
  assert.equal(s.mounts.filter((m) => m.destination === '/dev/shm').length, 1, 'the default tmpfs is replaced');

  const ro = build({ config: sc({ readonlyRootfs: true }) });
  assert.equal(ro.root.readonly, true);
  for (const f of ['/etc/hosts', '/etc/resolv.conf', '/etc/hostname']) assert.deepEqual(mount(ro, f)?.options, ['rbind', 'rprivate', 'ro'], f);
  assert.deepEqual(mount(ro, '/dev/shm')?.options, ['rbind', 'rprivate', 'rw']);
  assert.equal(build({ input: { rootfs: { path: '/r', readonly: true } } }).root.readonly, true, 'the caller may force it');

  const hostIpc = build({ sandbox: { hostname: 'h', linux: { securityContext: { namespaceOptions: { ipc: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER } } } } });
  assert.equal(mount(hostIpc, '/dev/shm')?.source, '/dev/shm');
});

test('mounts: CRI bind mounts, options and propagation', () => {
  const s = build({
    config: {
      mounts: [
        { containerPath: '/data', hostPath: '/srv/data', readonly: true },
        { containerPath: '/cache', hostPath: '/srv/cache', propagation: MountPropagation.PROPAGATION_HOST_TO_CONTAINER },
        { containerPath: '/shared', hostPath: '/srv/shared', propagation: MountPropagation.PROPAGATION_BIDIRECTIONAL, selinuxRelabel: true },
      ],
    },
  });
  assert.deepEqual(mount(s, '/data'), { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rprivate', 'ro'] });
  assert.deepEqual(mount(s, '/cache')?.options, ['rbind', 'rslave', 'rw']);
  assert.deepEqual(mount(s, '/shared')?.options, ['rbind', 'rshared', 'rw'], 'selinux_relabel adds nothing without SELinux');
  assert.equal(s.linux.rootfsPropagation, 'rshared');
  assert.equal(build({ config: { mounts: [{ containerPath: '/c', hostPath: '/h', propagation: MountPropagation.PROPAGATION_HOST_TO_CONTAINER }] } }).linux.rootfsPropagation, 'rslave');
  assert.equal(build({ config: { mounts: [{ containerPath: '/c', hostPath: '/h' }] } }).linux.rootfsPropagation, undefined);
});

test('mounts: host paths resolved by the caller (symlinks followed)', () => {
  const s = build({ config: { mounts: [{ containerPath: '/data', hostPath: '/srv/link' }] }, input: { resolvedHostPaths: { '/srv/link': '/mnt/disk1/data' } } });
  assert.equal(mount(s, '/data')?.source, '/mnt/disk1/data');
});

test('mounts: recursive read-only', () => {
  const rro = { containerPath: '/data', hostPath: '/srv', readonly: true, recursiveReadOnly: true };
  assert.deepEqual(mount(build({ config: { mounts: [rro] }, host: { rroSupported: true } }), '/data')?.options, ['rbind', 'rprivate', 'ro', 'rro']);
  invalid({ config: { mounts: [rro] }, host: { rroSupported: false } }, /mounts\[0\]\.recursive_read_only: not supported by the OCI runtime/);
  invalid({ config: { mounts: [{ ...rro, readonly: false }] }, host: { rroSupported: true } }, /mounts\[0\]\.recursive_read_only: requires readonly/);
  invalid(
    { config: { mounts: [{ ...rro, propagation: MountPropagation.PROPAGATION_HOST_TO_CONTAINER }] }, host: { rroSupported: true } },
    /recursive_read_only: requires propagation PROPAGATION_PRIVATE/,
  );
});

test('mounts: parents before children, CRI mounts replace defaults and pod files', () => {
  const s = build({
    config: {
      mounts: [
        { containerPath: '/a/b/c', hostPath: '/h/abc' },
        { containerPath: '/a', hostPath: '/h/a' },
        { containerPath: '/etc/hosts', hostPath: '/kubelet/etc-hosts' },
        { containerPath: '/sys/fs/cgroup/', hostPath: '/sys/fs/cgroup' },
        { containerPath: '/a/b', hostPath: '/h/ab' },
      ],
    },
  });
  const binds = s.mounts.filter((m) => m.type === 'bind').map((m) => m.destination);
  assert.deepEqual(binds, ['/a', '/etc/hosts', '/a/b', '/etc/hostname', '/etc/resolv.conf', '/dev/shm', '/a/b/c', '/sys/fs/cgroup']);
  assert.equal(mount(s, '/etc/hosts')?.source, '/kubelet/etc-hosts');
  assert.equal(s.mounts.filter((m) => m.destination === '/sys/fs/cgroup').length, 1);
  assert.equal(mount(s, '/sys/fs/cgroup')?.type, 'bind');
});

test('mounts: a CRI /dev replaces everything under /dev', () => {
  const s = build({ config: { mounts: [{ containerPath: '/dev', hostPath: '/dev' }] } });
  assert.deepEqual(s.mounts.filter((m) => m.destination.startsWith('/dev')).map((m) => `${m.destination}:${m.type}`), ['/dev:bind', '/dev/shm:bind']);
});

test('mounts: errors name the mount', () => {
  const m = (x: object) => ({ config: { mounts: [{ containerPath: '/ok', hostPath: '/ok' }, { containerPath: '/ok2', hostPath: '/h', ...x }] } });
  invalid(m({ containerPath: 'data' }), /^cri: mounts\[1\]\.container_path: "data" must be absolute/);
  invalid(m({ containerPath: '' }), /mounts\[1\]\.container_path: must not be empty/);
  invalid(m({ containerPath: '/' }), /mounts\[1\]\.container_path: cannot mount over the root filesystem/);
  invalid(m({ hostPath: 'rel' }), /mounts\[1\]\.host_path: "rel" must be absolute/);
  invalid(m({ containerPath: '/ok/' }), /mounts\[1\]\.container_path: "\/ok" is also the target of mounts\[0\]/);
  invalid(m({ propagation: 9 }), /mounts\[1\]\.propagation: unknown value 9/);
  invalid(m({ image: { image: 'busybox' } }), /mounts\[1\]\.image: image "busybox" was not mounted/);
  invalid(m({ imageSubPath: 'etc' }), /mounts\[1\]\.image_sub_path: set without image/);
  invalid(m({ uidMappings: [{ hostId: 1000, containerId: 0, length: 1 }] }), /mounts\[1\]\.uidMappings: id-mapped mounts are not supported/);
});

test('mounts: an image volume is a read-only private bind of the mounted image, host_path ignored', () => {
  const s = build({
    config: { mounts: [{ containerPath: '/vol', hostPath: '', readonly: false, image: { image: 'data:1' }, imageSubPath: 'etc' }] },
    input: { imageMountSources: { 0: '/run/b/image-volumes/0/etc' } },
  });
  assert.deepEqual(s.mounts.find((m) => m.destination === '/vol'), { destination: '/vol', type: 'bind', source: '/run/b/image-volumes/0/etc', options: ['rbind', 'rprivate', 'ro'] });
  invalid({ config: { mounts: [{ containerPath: '/vol', image: { image: 'data:1' }, propagation: 2 }] }, input: { imageMountSources: { 0: '/x' } } }, /mounts\[0\]\.propagation: an image volume is PROPAGATION_PRIVATE only/);
});

// ---- devices ----

test('devices: nodes and cgroup rules from the resolved devices', () => {
  const s = build({
    config: { devices: [{ containerPath: '/dev/fuse', hostPath: '/dev/fuse', permissions: 'mrw' }] },
    input: {
      devices: [
        { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0, permissions: 'mrw' },
        { path: '/dev/loop0', type: 'b', major: 7, minor: 0, permissions: 'r' },
        { path: '/dev/myfifo', type: 'p', major: 0, minor: 0, permissions: 'rw' },
      ],
    },
  });
  assert.deepEqual(s.linux.devices, [
    { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
    { path: '/dev/loop0', type: 'b', major: 7, minor: 0 },
    { path: '/dev/myfifo', type: 'p', major: 0, minor: 0 },
  ]);
  assert.deepEqual(s.linux.resources?.devices, [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' },
    { allow: true, type: 'b', major: 7, minor: 0, access: 'r' },
  ]);
  invalid({ config: { devices: [{ containerPath: 'dev/x', hostPath: '/dev/x', permissions: 'rw' }] } }, /devices\[0\]\.container_path: "dev\/x" must be absolute/);
  invalid({ config: { devices: [{ containerPath: '/dev/x', hostPath: '/dev/x', permissions: 'rwx' }] } }, /devices\[0\]\.permissions: "rwx" may only contain r, w and m/);
});

// ---- namespaces and hostname ----

const withNs = (pod: DeepPartial<NonNullable<PodSandboxConfig['linux']>>, ctr?: object, paths: Partial<SpecInput['namespaces']> = {}) =>
  build({ sandbox: { hostname: 'pod-host', linux: pod }, config: ctr ? sc({ namespaceOptions: ctr }) : {}, input: { namespaces: { ...NS, ...paths } } });

test('namespaces: PID by mode', () => {
  const types = (s: OciSpec) => s.linux.namespaces;
  // Unset in the container: the pod's mode.
  assert.deepEqual(types(withNs({ securityContext: { namespaceOptions: { pid: NamespaceMode.CONTAINER } } }))[0], { type: 'pid' });
  assert.deepEqual(types(withNs({}, { pid: NamespaceMode.POD }, { pid: '/proc/42/ns/pid' }))[0], { type: 'pid', path: '/proc/42/ns/pid' });
  assert.ok(!types(withNs({}, { pid: NamespaceMode.NODE })).some((n) => n.type === 'pid'), 'host PID: no entry');
  assert.deepEqual(types(withNs({}, { pid: NamespaceMode.TARGET, targetId: 'c0' }, { targetPid: '/proc/77/ns/pid' }))[0], { type: 'pid', path: '/proc/77/ns/pid' });
  invalid({ config: sc({ namespaceOptions: { pid: NamespaceMode.POD } }) }, /linux\.security_context\.namespace_options\.pid: POD, but the pod has no shared PID namespace/);
  invalid({ config: sc({ namespaceOptions: { pid: NamespaceMode.TARGET } }) }, /namespace_options\.target_id: required when pid is TARGET/);
  assert.throws(() => withNs({}, { pid: NamespaceMode.TARGET, targetId: 'c0' }), (e: unknown) => e instanceof BerthError && e.code === Code.Internal);
});

test('namespaces: host network shares the node\'s network and UTS, and sets no hostname', () => {
  const s = withNs({ securityContext: { namespaceOptions: { network: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER } } }, undefined, { network: undefined, uts: undefined });
  assert.deepEqual(s.linux.namespaces, [{ type: 'pid' }, { type: 'ipc', path: NS.ipc }, { type: 'mount' }]);
  assert.equal(s.hostname, undefined);
  assert.ok(s.process.env.includes('HOSTNAME=pod-host'));
});

test('namespaces: host IPC, a private IPC namespace, and the pod\'s modes win for network/IPC', () => {
  const hostIpc = withNs({ securityContext: { namespaceOptions: { ipc: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER } } });
  assert.ok(!hostIpc.linux.namespaces.some((n) => n.type === 'ipc'));
  const own = withNs({ securityContext: { namespaceOptions: { ipc: NamespaceMode.CONTAINER, pid: NamespaceMode.CONTAINER } } });
  assert.deepEqual(own.linux.namespaces.find((n) => n.type === 'ipc'), { type: 'ipc' });
  const ctrSaysHost = withNs({ securityContext: { namespaceOptions: { pid: NamespaceMode.CONTAINER } } }, { network: NamespaceMode.NODE, ipc: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER });
  assert.deepEqual(ctrSaysHost.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: NS.network });
  invalid({ sandbox: { linux: { securityContext: { namespaceOptions: { network: NamespaceMode.CONTAINER, pid: NamespaceMode.CONTAINER } } } } }, /sandbox_config\.linux\.security_context\.namespace_options\.network: must be POD or NODE/);
  invalid({ sandbox: { linux: { securityContext: { namespaceOptions: { ipc: NamespaceMode.TARGET, pid: NamespaceMode.CONTAINER } } } } }, /namespace_options\.ipc: must be POD, CONTAINER or NODE/);
  assert.throws(() => withNs({ securityContext: { namespaceOptions: { pid: NamespaceMode.CONTAINER } } }, undefined, { network: undefined }), /the pod has no network namespace to join/);
});

test('namespaces: cgroup namespace on cgroup v2 only, not when privileged', () => {
  assert.ok(!build().linux.namespaces.some((n) => n.type === 'cgroup'));
  assert.deepEqual(build({ host: { cgroupV2: true } }).linux.namespaces.at(-1), { type: 'cgroup' });
  assert.ok(!build({ host: { cgroupV2: true }, config: sc({ privileged: true }), sandbox: privilegedPod }).linux.namespaces.some((n) => n.type === 'cgroup'));
});

// ---- sysctls ----

test('sysctls from the pod, normalised; the node\'s namespaces refuse theirs', () => {
  const s = build({ sandbox: { hostname: 'h', linux: { sysctls: { 'net.ipv4.ip_forward': '1', 'kernel.shm_rmid_forced': '1', 'net/ipv4/conf/eth0.100/rp_filter': '2' }, securityContext: { namespaceOptions: { pid: NamespaceMode.CONTAINER } } } } });
  assert.deepEqual(s.linux.sysctl, { 'net.ipv4.ip_forward': '1', 'kernel.shm_rmid_forced': '1', 'net.ipv4.conf.eth0/100.rp_filter': '2' });
  assert.deepEqual(build({ input: { sysctls: { 'kernel.msgmax': '9' } } }).linux.sysctl, { 'kernel.msgmax': '9' }, 'the caller may pass them');
  invalid({ sandbox: { linux: { sysctls: { 'vm.swappiness': '1' }, securityContext: { namespaceOptions: { pid: NamespaceMode.CONTAINER } } } } }, /sandbox_config\.linux\.sysctls\["vm\.swappiness"\]: not a namespaced sysctl/);
  invalid(
    { sandbox: { linux: { sysctls: { 'net.core.somaxconn': '1' }, securityContext: { namespaceOptions: { network: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER } } } }, input: { namespaces: { ipc: NS.ipc } } },
    /sysctls\["net\.core\.somaxconn"\]: the pod uses the node's net namespace/,
  );
});

// ---- resources ----

const res = (r: object, host: Partial<SpecInput['host']> = {}) => build({ config: { linux: { resources: r } }, host }).linux.resources;

test('resources: cpu and memory, zero means unset', () => {
  assert.deepEqual(res({}), { devices: [{ allow: false, access: 'rwm' }] });
  assert.deepEqual(res({ cpuShares: 512n, cpuQuota: 50000n, cpuPeriod: 100000n, cpusetCpus: '0-1,3', cpusetMems: '0', memoryLimitInBytes: 64n << 20n }), {
    devices: [{ allow: false, access: 'rwm' }],
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1,3', mems: '0' },
    memory: { limit: 64 << 20 },
  });
  assert.deepEqual(res({ cpuQuota: -1n })?.cpu, { quota: -1 });
});

test('resources: swap equals the limit by default where swap is controlled; explicit swap wins', () => {
  assert.deepEqual(res({ memoryLimitInBytes: 1000n }, { swapController: true })?.memory, { limit: 1000, swap: 1000 });
  assert.deepEqual(res({ memoryLimitInBytes: 1000n, memorySwapLimitInBytes: 3000n }, { swapController: true })?.memory, { limit: 1000, swap: 3000 });
  assert.deepEqual(res({ memoryLimitInBytes: 1000n, memorySwapLimitInBytes: -1n }, { swapController: true })?.memory, { limit: 1000, swap: -1 });
  assert.deepEqual(res({ memoryLimitInBytes: 1000n, memorySwapLimitInBytes: 3000n })?.memory, { limit: 1000 }, 'no swap controller: no swap setting');
  invalid({ config: { linux: { resources: { memoryLimitInBytes: 1000n, memorySwapLimitInBytes: 10n } } }, host: { swapController: true } }, /memory_swap_limit_in_bytes: 10 is below memory_limit_in_bytes 1000/);
});

test('resources: hugepages when the controller exists; unified on cgroup v2 only', () => {
  const huge = { hugepageLimits: [{ pageSize: '2MB', limit: 4194304n }] };
  assert.deepEqual(res(huge, { hugetlbController: true })?.hugepageLimits, [{ pageSize: '2MB', limit: 4194304 }]);
  assert.equal(res(huge)?.hugepageLimits, undefined, 'skipped without the controller');
  invalid({ config: { linux: { resources: { hugepageLimits: [{ pageSize: '2M', limit: 1n }] } } }, host: { hugetlbController: true } }, /hugepage_limits\[0\]\.page_size: "2M"/);
  assert.deepEqual(res({ unified: { 'memory.high': '1000000' } }, { cgroupV2: true })?.unified, { 'memory.high': '1000000' });
  invalid({ config: { linux: { resources: { unified: { 'memory.high': '1' } } } } }, /linux\.resources\.unified: needs cgroup v2/);
  invalid({ config: { linux: { resources: { unified: { '../x': '1' } } } }, host: { cgroupV2: true } }, /unified\["\.\.\/x"\]: not a cgroup file name/);
});

test('resources: bad values name the field', () => {
  invalid({ config: { linux: { resources: { cpuShares: -2n } } } }, /linux\.resources\.cpu_shares: -2 is below 0/);
  invalid({ config: { linux: { resources: { memoryLimitInBytes: 1n << 60n } } } }, /memory_limit_in_bytes: \d+ is too large/);
  invalid({ config: { linux: { resources: { cpusetCpus: '0-a' } } } }, /cpuset_cpus: "0-a" is not a CPU\/node list/);
});

test('oom_score_adj: as asked when berthd may lower it; else clamped up, never negative', () => {
  const adj = (v: bigint, host: Partial<SpecInput['host']> = {}) => build({ config: { linux: { resources: { oomScoreAdj: v } } }, host }).process.oomScoreAdj;
  assert.equal(adj(-997n), -997);
  assert.equal(adj(0n), 0);
  assert.equal(adj(-997n, { canLowerOomScoreAdj: false }), 0, 'the STACK.md trap: root without CAP_SYS_RESOURCE');
  assert.equal(adj(1000n, { canLowerOomScoreAdj: false }), 1000);
  assert.equal(adj(50n, { canLowerOomScoreAdj: false, currentOomScoreAdj: 100 }), 100);
  assert.equal(adj(-500n, { canLowerOomScoreAdj: false, currentOomScoreAdj: -900 }), 0);
  invalid({ config: { linux: { resources: { oomScoreAdj: 1001n } } } }, /oom_score_adj: 1001 is outside -1000…1000/);
});

test('rlimits and cgroupsPath are passed through', () => {
  const s = build({ input: { rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }], cgroupsPath: '/kubepods/pod1/berth-c1' } });
  assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }]);
  assert.equal(s.linux.cgroupsPath, '/kubepods/pod1/berth-c1');
});

// ---- seccomp, AppArmor, SELinux ----

test('seccomp: the loaded profile is specialised for the container\'s capabilities', () => {
  const s = build({ input: { seccomp: DEFAULT_SECCOMP_PROFILE } });
  assert.equal(s.linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.deepEqual(s.linux.seccomp?.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const mountAllowed = (x: OciSpec) => (x.linux.seccomp?.syscalls ?? []).some((r) => r.names.includes('mount') && r.action === 'SCMP_ACT_ALLOW');
  assert.ok(!mountAllowed(s));
  assert.ok(mountAllowed(build({ input: { seccomp: DEFAULT_SECCOMP_PROFILE }, config: sc({ capabilities: { addCapabilities: ['SYS_ADMIN'] } }) })));
  assert.equal(build({ input: { seccomp: 'unconfined' } }).linux.seccomp, undefined);
});

test('resolveSeccompChoice: messages, deprecated strings, privileged', () => {
  const choose = (o: Partial<Parameters<typeof resolveSeccompChoice>[0]>) => resolveSeccompChoice({ privileged: false, seccomp: undefined, seccompProfilePath: '', ...o });
  const P = SecurityProfile_ProfileType;
  assert.deepEqual(choose({}), { kind: 'unconfined' }, 'nil profile: unconfined (critest)');
  assert.deepEqual(choose({ whenUnset: 'runtime-default' }), { kind: 'runtime-default' });
  assert.deepEqual(choose({ seccomp: { profileType: P.RuntimeDefault, localhostRef: '' } }), { kind: 'runtime-default' });
  assert.deepEqual(choose({ seccomp: { profileType: P.Unconfined, localhostRef: '' } }), { kind: 'unconfined' });
  assert.deepEqual(choose({ seccomp: { profileType: P.Localhost, localhostRef: '/var/lib/kubelet/seccomp/a.json' } }), { kind: 'localhost', path: '/var/lib/kubelet/seccomp/a.json' });
  assert.deepEqual(choose({ seccomp: { profileType: P.Localhost, localhostRef: 'localhost//p.json' } }), { kind: 'localhost', path: '/p.json' });
  assert.deepEqual(choose({ privileged: true, seccomp: { profileType: P.Localhost, localhostRef: '/p.json' } }), { kind: 'unconfined' });
  // The message wins over the string.
  assert.deepEqual(choose({ seccomp: { profileType: P.Unconfined, localhostRef: '' }, seccompProfilePath: 'runtime/default' }), { kind: 'unconfined' });
  for (const [path, kind] of [['runtime/default', 'runtime-default'], ['docker/default', 'runtime-default'], ['unconfined', 'unconfined'], ['', 'unconfined']] as const) {
    assert.deepEqual(choose({ seccompProfilePath: path }), { kind }, path);
  }
  assert.deepEqual(choose({ seccompProfilePath: 'localhost//etc/p.json' }), { kind: 'localhost', path: '/etc/p.json' });
  const bad = (o: Partial<Parameters<typeof resolveSeccompChoice>[0]>, msg: RegExp) =>
    assert.throws(() => choose(o), (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument && msg.test(e.message));
  bad({ seccompProfilePath: 'default' }, /seccomp_profile_path: "default" is not one of/);
  bad({ seccompProfilePath: 'localhost/rel.json' }, /seccomp_profile_path\.localhost_ref: "rel\.json" must be an absolute path/);
  bad({ seccomp: { profileType: P.RuntimeDefault, localhostRef: '/x' } }, /seccomp\.localhost_ref: only allowed with profile_type Localhost/);
  bad({ seccomp: { profileType: 7 as SecurityProfile_ProfileType, localhostRef: '' } }, /seccomp\.profile_type: unknown value 7/);
});

test('AppArmor: ignored without AppArmor; default, unconfined, localhost with it', () => {
  const P = SecurityProfile_ProfileType;
  const aa = (s: object, o: Over = {}) => build({ config: sc(s), host: { hostHasApparmor: true }, ...o }).process.apparmorProfile;
  assert.equal(build({ config: sc({ apparmor: { profileType: P.RuntimeDefault } }) }).process.apparmorProfile, undefined, 'no AppArmor: the default is dropped');
  assert.throws(() => build({ config: sc({ apparmor: { profileType: P.Localhost, localhostRef: 'x' } }) }), (e: unknown) => e instanceof BerthError && e.code === Code.NotFound && /AppArmor profile "x"/.test(e.message));
  assert.equal(aa({}), 'berth-default');
  assert.equal(aa({ apparmorProfile: 'runtime/default' }), 'berth-default');
  assert.equal(aa({ apparmor: { profileType: P.Unconfined } }), 'unconfined');
  assert.equal(aa({ apparmorProfile: 'unconfined' }), 'unconfined');
  assert.equal(aa({ apparmor: { profileType: P.Localhost, localhostRef: 'k8s-nginx' } }), 'k8s-nginx');
  assert.equal(aa({ apparmorProfile: 'localhost/k8s-nginx' }), 'k8s-nginx');
  assert.equal(aa({ privileged: true }, { sandbox: privilegedPod }), 'unconfined');
  assert.equal(aa({ privileged: true, apparmor: { profileType: P.Localhost, localhostRef: 'p' } }, { sandbox: privilegedPod }), 'p');
  invalid({ config: sc({ apparmorProfile: 'nginx' }), host: { hostHasApparmor: true } }, /apparmor_profile: "nginx" is not one of/);
  invalid({ config: sc({ apparmor: { profileType: P.Localhost, localhostRef: '' } }), host: { hostHasApparmor: true } }, /apparmor\.localhost_ref: names no profile/);
});

test('SELinux: labels only on SELinux hosts, options over the policy\'s base labels', () => {
  const base = { processLabel: 'system_u:system_r:container_t:s0:c1,c2', mountLabel: 'system_u:object_r:container_file_t:s0:c1,c2' };
  assert.equal(build({ config: sc({ selinuxOptions: { type: 'spc_t' } }) }).process.selinuxLabel, undefined);
  const plain = build({ host: { hostHasSelinux: true, selinuxBaseLabels: base } });
  assert.equal(plain.process.selinuxLabel, base.processLabel);
  assert.equal(plain.linux.mountLabel, base.mountLabel);
  const s = build({ config: sc({ selinuxOptions: { type: 'my_t', level: 's0:c5,c6' } }), host: { hostHasSelinux: true, selinuxBaseLabels: base } });
  assert.equal(s.process.selinuxLabel, 'system_u:system_r:my_t:s0:c5,c6');
  assert.equal(s.linux.mountLabel, 'system_u:object_r:container_file_t:s0:c5,c6');
  const fromPod = build({ sandbox: { hostname: 'h', linux: { securityContext: { selinuxOptions: { user: 'u' }, namespaceOptions: { pid: NamespaceMode.CONTAINER } } } }, host: { hostHasSelinux: true, selinuxBaseLabels: base } });
  assert.equal(fromPod.process.selinuxLabel, 'u:system_r:container_t:s0:c1,c2');
  assert.equal(fromPod.linux.mountLabel, 'u:object_r:container_file_t:s0:c1,c2');
  const priv = build({ config: sc({ privileged: true }), sandbox: privilegedPod, host: { hostHasSelinux: true, selinuxBaseLabels: base } });
  assert.equal(priv.process.selinuxLabel, undefined);
});

// ---- annotations ----

test('annotations: the CRI ones plus containerd\'s keys, which cannot be forged', () => {
  const s = build({ config: { annotations: { 'a.b/c': 'd', 'org.systemd.property.Delegate': 'yes', 'io.kubernetes.cri.sandbox-id': 'forged' } }, input: { imageName: 'docker.io/library/busybox:latest' } });
  assert.deepEqual(s.annotations, {
    'a.b/c': 'd',
    'io.kubernetes.cri.container-type': 'container',
    'io.kubernetes.cri.sandbox-id': 'p1',
    'io.kubernetes.cri.sandbox-name': 'pod',
    'io.kubernetes.cri.sandbox-namespace': 'default',
    'io.kubernetes.cri.sandbox-uid': 'uid-1',
    'io.kubernetes.cri.container-name': 'app',
    'io.kubernetes.cri.image-name': 'docker.io/library/busybox:latest',
  });
  assert.equal(build({ input: { containerType: 'sandbox' } }).annotations?.['io.kubernetes.cri.container-type'], 'sandbox');
  assert.equal(build().annotations?.['io.kubernetes.cri.image-name'], 'busybox:latest');
});

// ---- CDI ----

test('CDI edits: devices, mounts, env, hooks and groups are added', () => {
  const s = build({
    input: {
      cdi: {
        env: ['NVIDIA_VISIBLE_DEVICES=0', 'HOSTNAME=gpu'],
        devices: [{ path: '/dev/nvidia0', type: 'c', major: 195, minor: 0, permissions: 'rw' }],
        mounts: [{ destination: '/usr/lib/libcuda.so', source: '/usr/lib/x86_64-linux-gnu/libcuda.so', type: 'bind', options: ['ro', 'nosuid', 'rbind'] }],
        hooks: { createContainer: [{ path: '/usr/bin/nvidia-ctk', args: ['nvidia-ctk', 'hook'] }], poststop: [] },
        additionalGids: [44],
      },
    },
  });
  assert.deepEqual(s.process.env, [PATH, 'HOSTNAME=gpu', 'NVIDIA_VISIBLE_DEVICES=0']);
  assert.deepEqual(s.linux.devices, [{ path: '/dev/nvidia0', type: 'c', major: 195, minor: 0 }]);
  assert.deepEqual(s.linux.resources?.devices?.[1], { allow: true, type: 'c', major: 195, minor: 0, access: 'rw' });
  assert.equal(s.mounts.at(-1)?.destination, '/usr/lib/libcuda.so');
  assert.deepEqual(s.hooks, { createContainer: [{ path: '/usr/bin/nvidia-ctk', args: ['nvidia-ctk', 'hook'] }] });
  assert.deepEqual(s.process.user.additionalGids, [0, 10, 44]);
});

// ---- helpers: stop signal (cgroups paths: cgroups.test.ts) ----

test('resolveStopSignal: CRI stop_signal, then the image StopSignal, then SIGTERM', () => {
  assert.equal(resolveStopSignal(Signal.RUNTIME_DEFAULT, undefined), 'SIGTERM');
  assert.equal(resolveStopSignal(Signal.RUNTIME_DEFAULT, ''), 'SIGTERM');
  assert.equal(resolveStopSignal(Signal.SIGQUIT, 'SIGINT'), 'SIGQUIT');
  assert.equal(resolveStopSignal(Signal.RUNTIME_DEFAULT, 'SIGINT'), 'SIGINT');
  assert.equal(resolveStopSignal(Signal.RUNTIME_DEFAULT, 'winch'), 'SIGWINCH');
  assert.equal(resolveStopSignal(Signal.RUNTIME_DEFAULT, '9'), 'SIGKILL');
  assert.equal(resolveStopSignal(Signal.RUNTIME_DEFAULT, 'SIGRTMIN+3'), 'SIGRTMIN+3');
  assert.equal(resolveStopSignal(Signal.RUNTIME_DEFAULT, '37'), 'SIGRTMIN+3');
  assert.equal(resolveStopSignal(Signal.RUNTIME_DEFAULT, 'RTMAX-1'), 'SIGRTMAX-1');
  assert.equal(resolveStopSignal(Signal.SIGRTMINPLUS15, undefined), 'SIGRTMIN+15');
  assert.equal(resolveStopSignal(Signal.SIGRTMAXMINUS14, undefined), 'SIGRTMAX-14');
  assert.equal(resolveStopSignal(Signal.SIGRTMAX, undefined), 'SIGRTMAX');
  assert.equal(resolveStopSignal(Signal.SIGIOT, undefined), 'SIGABRT');
  assert.equal(resolveStopSignal(Signal.SIGCLD, undefined), 'SIGCHLD');
  assert.throws(() => resolveStopSignal(Signal.RUNTIME_DEFAULT, 'SIGNOPE'), /image config StopSignal: "SIGNOPE" is not a signal/);
  assert.throws(() => resolveStopSignal(Signal.RUNTIME_DEFAULT, '65'), /is not a signal/);
  assert.throws(() => resolveStopSignal(Signal.RUNTIME_DEFAULT, 'SIGRTMIN+31'), /is not a signal/);
  assert.throws(() => resolveStopSignal(99 as Signal, undefined), /stop_signal: unknown value 99/);
  // Every CRI signal has a name that maps back to a number.
  for (const v of Object.values(Signal)) {
    if (typeof v !== 'number' || v <= 0) continue;
    const n = signalNumber(resolveStopSignal(v, undefined));
    assert.ok(n >= 1 && n <= 64, `${Signal[v]} → ${n}`);
  }
  assert.equal(signalNumber('SIGTERM'), 15);
  assert.equal(signalNumber('SIGRTMAX-1'), 63);
});
