// The generated config.json is one runc 1.1.5 accepts and enforces: a busybox
// rootfs, run with `runc run` directly (no berthd, no conmon), with the default
// seccomp profile, default capabilities, masked paths, read-only bind mounts,
// memory and CPU limits and a clamped oom_score_adj. Needs root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, rmdir, symlink, writeFile, access } from 'node:fs/promises';
import { tmpdir, release } from 'node:os';
import { join } from 'node:path';
import { ContainerConfig, NamespaceMode, PodSandboxConfig, SupplementalGroupsPolicy } from '../../src/api/gen/api.js';
import { DEFAULT_SECCOMP_PROFILE } from '../../src/container/seccomp-default.js';
import { goArch, parseKernelVersion } from '../../src/container/seccomp-profile.js';
import { buildOciSpec, capabilitiesFromMask } from '../../src/container/spec.js';
import { cgroupsPathFor } from '../../src/cgroups/paths.js';
import { resolveUser } from '../../src/container/user.js';

const RUNC = '/usr/sbin/runc';
const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'cat', 'grep', 'wc', 'ls', 'touch', 'hostname', 'id', 'head', 'sleep', 'echo'];
const MEMORY_LIMIT = 64 * 1024 * 1024;

const skip = process.getuid?.() !== 0 ? 'needs root' : !spawnSync(RUNC, ['--version']).stdout?.length ? 'needs runc' : false;

const SCRIPT = `
grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status
echo "kcore=$(cat /proc/kcore | wc -c)"
echo "firmware=[$(ls -A /sys/firmware)]"
if touch /data/new 2>/dev/null; then echo data=rw; else echo data=ro; fi
if touch /deep/sub/new 2>/dev/null; then echo deep=rw; else echo deep=ro; fi
if touch /scratch/new 2>/dev/null; then echo scratch=rw; else echo scratch=ro; fi
echo "hello=$(cat /data/hello)"
echo "mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
echo "quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)/$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
echo "oom=$(cat /proc/self/oom_score_adj)"
echo "hostname=$(hostname)"
echo "groups=$(id -G)"
exit 7
`;

/** A process in fresh network, IPC and UTS namespaces: the "pod" whose namespaces the container joins. */
function podNamespaces(): ChildProcess {
  return spawn('unshare', ['--net', '--ipc', '--uts', 'sleep', '300'], { stdio: 'ignore' });
}

test('runc runs the generated spec and enforces it', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-spec-'));
  const id = `spec${process.pid}`;
  const cgroupParent = `/berth-spec-test-${process.pid}`;
  const state = join(dir, 'state');
  const bundle = join(dir, 'bundle');
  const rootfs = join(bundle, 'rootfs');
  const pod = podNamespaces();
  const hostDeep = join(dir, 'deep');
  t.after(async () => {
    spawnSync(RUNC, ['--root', state, 'delete', '--force', id]);
    pod.kill('SIGKILL');
    spawnSync('umount', ['-l', join(hostDeep, 'sub')]);
    for (const ctl of ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'devices', 'freezer', 'blkio', 'systemd']) {
      await rmdir(`/sys/fs/cgroup/${ctl}${cgroupParent}`).catch(() => {});
    }
    await rm(dir, { recursive: true, force: true });
  });

  // rootfs: busybox and its applets.
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await copyFile(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  await Promise.all(APPLETS.map((a) => symlink('busybox', join(rootfs, 'bin', a))));
  for (const d of ['proc', 'sys', 'dev', 'etc', 'tmp', 'data', 'deep', 'scratch']) await mkdir(join(rootfs, d));
  // Host side: a read-only bind, a recursive read-only bind with a writable submount, the pod's files.
  const hostData = join(dir, 'data');
  await mkdir(hostData);
  await writeFile(join(hostData, 'hello'), 'from the host\n');
  await mkdir(join(hostDeep, 'sub'), { recursive: true });
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', join(hostDeep, 'sub')]).status, 0);
  const hostScratch = join(dir, 'scratch');
  await mkdir(hostScratch);
  const podDir = join(dir, 'pod');
  await mkdir(podDir);
  await writeFile(join(podDir, 'hosts'), '127.0.0.1 localhost\n');
  await writeFile(join(podDir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  await writeFile(join(podDir, 'hostname'), 'spec-pod\n');

  // Host facts, read the way berthd will.
  const status = await readFile('/proc/self/status', 'utf8');
  const capBnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  const features = JSON.parse(spawnSync(RUNC, ['features']).stdout.toString()) as { mountOptions?: string[] };
  const rroSupported = features.mountOptions?.includes('rro') ?? false;
  t.diagnostic(`runc supports rro: ${rroSupported}`);
  await access(`/proc/${pod.pid}/ns/net`);

  const config = ContainerConfig.fromPartial({
    metadata: { name: 'spec' },
    image: { image: 'busybox' },
    command: ['sh', '-c', SCRIPT],
    mounts: [
      { containerPath: '/data', hostPath: hostData, readonly: true },
      { containerPath: '/deep', hostPath: hostDeep, readonly: true, recursiveReadOnly: rroSupported },
      { containerPath: '/scratch', hostPath: hostScratch },
    ],
    linux: {
      resources: { memoryLimitInBytes: BigInt(MEMORY_LIMIT), cpuQuota: 50000n, cpuPeriod: 100000n, oomScoreAdj: -500n },
      securityContext: { noNewPrivs: true, supplementalGroups: [1234n], namespaceOptions: { pid: NamespaceMode.CONTAINER } },
    },
  });
  const sandboxConfig = PodSandboxConfig.fromPartial({
    metadata: { name: 'pod', namespace: 'default', uid: 'u' },
    hostname: 'spec-pod',
    linux: { cgroupParent, securityContext: { namespaceOptions: { pid: NamespaceMode.CONTAINER } } },
  });
  const user = resolveUser({ imageUser: '', supplementalGroups: [1234n], supplementalGroupsPolicy: SupplementalGroupsPolicy.Merge });
  const spec = buildOciSpec({
    id,
    sandboxId: 'pod',
    config,
    sandboxConfig,
    image: {},
    rootfs: { path: rootfs },
    user,
    namespaces: { network: `/proc/${pod.pid}/ns/net`, ipc: `/proc/${pod.pid}/ns/ipc`, uts: `/proc/${pod.pid}/ns/uts` },
    podFiles: { hosts: join(podDir, 'hosts'), resolvConf: join(podDir, 'resolv.conf'), hostname: join(podDir, 'hostname') },
    cgroupsPath: cgroupsPathFor('cgroupfs', cgroupParent, id),
    seccomp: DEFAULT_SECCOMP_PROFILE,
    host: {
      // Writing a lower oom_score_adj than our own needs CAP_SYS_RESOURCE (absent on this machine).
      canLowerOomScoreAdj: capabilitiesFromMask(capEff).includes('CAP_SYS_RESOURCE'),
      currentOomScoreAdj: Number((await readFile('/proc/self/oom_score_adj', 'utf8')).trim()),
      cgroupV2: false,
      hostHasApparmor: false,
      hostHasSelinux: false,
      arch: goArch(process.arch),
      kernel: parseKernelVersion(release()),
      hostname: 'node',
      capabilities: capabilitiesFromMask(capBnd),
      rroSupported,
      swapController: true,
    },
  });
  await writeFile(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));

  const run = spawnSync(RUNC, ['--root', state, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const out = run.stdout.toString();
  assert.equal(run.status, 7, `runc run: exit ${run.status}\nstdout:\n${out}\nstderr:\n${run.stderr.toString()}`);
  const field = (k: string) => new RegExp(`^${k}[:=]\\s*(.*)$`, 'm').exec(out)?.[1];

  // Capabilities: exactly the default 14, no inheritable or ambient ones.
  assert.equal(field('CapBnd'), '00000000a80425fb');
  assert.equal(field('CapEff'), '00000000a80425fb');
  assert.equal(field('CapPrm'), '00000000a80425fb');
  assert.equal(field('CapInh'), '0000000000000000');
  assert.equal(field('CapAmb'), '0000000000000000');
  assert.equal(field('Seccomp'), '2');
  assert.equal(field('NoNewPrivs'), '1');
  // Masked: a file reads empty, a directory is empty.
  assert.equal(field('kcore'), '0');
  assert.equal(field('firmware'), '[]');
  assert.equal(field('data'), 'ro');
  assert.equal(field('hello'), 'from the host');
  assert.equal(field('scratch'), 'rw');
  if (rroSupported) assert.equal(field('deep'), 'ro', 'rro: the submount is read-only too');
  else assert.equal(field('deep'), 'rw', 'plain ro bind: the submount stays writable');
  assert.equal(field('mem'), String(MEMORY_LIMIT));
  assert.equal(field('quota'), '50000/100000');
  assert.equal(field('oom'), spec.process.oomScoreAdj?.toString(), 'the clamped value was applied');
  assert.ok((spec.process.oomScoreAdj ?? -1) >= 0, 'never negative without CAP_SYS_RESOURCE');
  assert.equal(field('hostname'), 'spec-pod');
  assert.equal(field('groups'), '0 1234');

  // Cleanup leaves nothing: runc state and the container's cgroups are gone.
  spawnSync(RUNC, ['--root', state, 'delete', '--force', id]);
  const list = JSON.parse(spawnSync(RUNC, ['--root', state, 'list', '--format', 'json']).stdout.toString() || 'null') as unknown[] | null;
  assert.deepEqual(list ?? [], []);
  for (const ctl of ['memory', 'cpu', 'pids', 'devices']) {
    await assert.rejects(access(`/sys/fs/cgroup/${ctl}${cgroupParent}/berth-${id}`), /ENOENT/, ctl);
  }
});

test('runc runs the privileged variant: all caps, no seccomp, writable /sys', { skip }, async (t) => {
  // Privileged: all of berthd's capabilities, no seccomp, writable /sys, every device allowed.
  const dir = await mkdtemp(join(tmpdir(), 'berth-spec-priv-'));
  const id = `specpriv${process.pid}`;
  const state = join(dir, 'state');
  const rootfs = join(dir, 'bundle', 'rootfs');
  const pod = podNamespaces();
  t.after(async () => {
    spawnSync(RUNC, ['--root', state, 'delete', '--force', id]);
    pod.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await copyFile(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  await Promise.all(['sh', 'grep'].map((a) => symlink('busybox', join(rootfs, 'bin', a))));
  await access(`/proc/${pod.pid}/ns/net`);
  const capBnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8'))?.[1] ?? '0';
  const spec = buildOciSpec({
    id,
    sandboxId: 'pod',
    config: ContainerConfig.fromPartial({
      metadata: { name: 'priv' },
      command: ['sh', '-c', "grep -E '^(CapBnd|Seccomp):' /proc/self/status; grep -E '^sysfs /sys ' /proc/mounts"],
      linux: { securityContext: { privileged: true, namespaceOptions: { pid: NamespaceMode.CONTAINER } } },
    }),
    sandboxConfig: PodSandboxConfig.fromPartial({ hostname: 'priv', linux: { securityContext: { privileged: true, namespaceOptions: { pid: NamespaceMode.CONTAINER } } } }),
    image: {},
    rootfs: { path: rootfs },
    user: { uid: 0, gid: 0, additionalGids: [0] },
    namespaces: { network: `/proc/${pod.pid}/ns/net`, ipc: `/proc/${pod.pid}/ns/ipc`, uts: `/proc/${pod.pid}/ns/uts` },
    podFiles: {},
    seccomp: DEFAULT_SECCOMP_PROFILE,
    host: {
      canLowerOomScoreAdj: false,
      currentOomScoreAdj: 0,
      cgroupV2: false,
      hostHasApparmor: false,
      hostHasSelinux: false,
      arch: goArch(process.arch),
      hostname: 'node',
      capabilities: capabilitiesFromMask(capBnd),
    },
  });
  await writeFile(join(dir, 'bundle', 'config.json'), JSON.stringify(spec));
  const run = spawnSync(RUNC, ['--root', state, 'run', '--bundle', join(dir, 'bundle'), id], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const out = run.stdout.toString();
  assert.equal(run.status, 0, `stdout:\n${out}\nstderr:\n${run.stderr.toString()}`);
  assert.match(out, new RegExp(`CapBnd:\\s*${capBnd}`));
  assert.match(out, /Seccomp:\s*0/);
  assert.match(out, /^sysfs \/sys sysfs rw,/m, '/sys is writable');
});
