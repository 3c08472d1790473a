// CDI devices through a real berthd, conmon and runc: spec files in private
// spec directories ([cdi] spec_dirs) expose /dev/null under another name, a
// read-only mount, env, extra groups and a createRuntime hook; requested by
// CDI_devices and by the cdi.k8s.io/ annotations, checked inside the
// container and on the host. Bad requests and bad spec files fail with the
// field, device and file named, and leave nothing behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerConfig } from '../../src/api/gen/api.js';
import { ContainerStatus, CreateContainer, ExecSync, ListContainers, ListPodSandbox, PullImage, RemovePodSandbox, RunPodSandbox, StartContainer } from '../../src/api/methods.js';
import { Code } from '../../src/util/errors.js';
import { rejectsWith } from '../support/assert-grpc.js';
import { makeTestDir, startDaemon, type TestDaemon } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../support/images/build.js';
import { makeTestNetwork, mountsContaining, podConfig, type TestNetwork } from '../support/pod-net.js';
import { imageRef, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

let reg: RunningRegistry;
let busybox: string;
let d: TestDaemon;
let net: TestNetwork;
let dir: string;
let low: string;
let high: string;
let vendorDir: string;
let hookOut: string;

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
  dir = await makeTestDir('berth-cdi-');
  low = join(dir, 'etc-cdi');
  high = join(dir, 'run-cdi');
  vendorDir = join(dir, 'vendor-lib');
  hookOut = join(dir, 'hook-ran');
  await Promise.all([mkdir(low), mkdir(high), mkdir(vendorDir)]);
  await writeFile(join(vendorDir, 'lib.txt'), 'vendor library\n');
  // YAML, in the low-priority directory: a spec-level env, a device node, a mount, a hook, a group.
  await writeFile(
    join(low, 'vendor-gpu.yaml'),
    `cdiVersion: "0.6.0"
kind: vendor.example/gpu
containerEdits:
  env:
    - VENDOR_LIB=/opt/vendor
devices:
  - name: gpu0
    containerEdits:
      deviceNodes:
        - path: /dev/berth-null
          hostPath: /dev/null
          permissions: rw
      mounts:
        - hostPath: ${vendorDir}
          containerPath: /opt/vendor
          options: [rbind, ro, nosuid, nodev]
      hooks:
        - hookName: createRuntime
          path: /bin/sh
          args: [sh, -c, "cat > ${hookOut}"]
      additionalGids: [4242]
  - name: gpu1
    containerEdits:
      env: [GPU_INDEX=1]
  - name: libs
    containerEdits:
      mounts:
        - hostPath: ${vendorDir}
          containerPath: /opt/vendor
          options: [rbind, ro]
`,
  );
  // JSON, in the high-priority directory: replaces gpu1 and adds a nic class.
  await writeFile(join(high, 'override.json'), JSON.stringify({ cdiVersion: '0.5.0', kind: 'vendor.example/gpu', devices: [{ name: 'gpu1', containerEdits: { env: ['GPU_INDEX=1-from-run'] } }] }));
  await writeFile(join(high, 'nic.json'), JSON.stringify({ cdiVersion: '1.0.0', kind: 'vendor.example/nic', devices: [{ name: 'n0', containerEdits: { env: ['NIC=n0'] } }] }));
  // Broken: a class whose file does not validate, and a device whose host node is missing.
  await writeFile(join(low, 'broken-fpga.yaml'), 'cdiVersion: "0.6.0"\nkind: vendor.example/fpga\ndevices:\n  - name: f0\n    containerEdits:\n      deviceNodes:\n        - path: dev/fpga0\n');
  await writeFile(join(low, 'ghost.json'), JSON.stringify({ cdiVersion: '0.6.0', kind: 'vendor.example/ghost', devices: [{ name: 'g0', containerEdits: { deviceNodes: [{ path: '/dev/ghost0', hostPath: '/dev/berth-no-such-node' }] } }] }));
  net = await makeTestNetwork(dir);
  d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: `${net.toml}\n[cdi]\nspec_dirs = ["${low}", "${high}"]\n` });
  // User-namespaced pods: runc resolves paths as the pod's root, so the test root must be traversable.
  await chmod(d.dir, 0o711);
  await d.client.call(PullImage, { image: { image: busybox } });
});

after(async () => {
  const { items } = await d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
  for (const p of items) await d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
  await d?.cleanup();
  await net?.cleanup();
  await reg?.stop();
});

let seq = 0;
async function runPod() {
  const config = podConfig(`cdi-${process.pid}-${seq++}`);
  const { podSandboxId } = await d.client.call(RunPodSandbox, { config });
  return { id: podSandboxId, config };
}

function ctr(name: string, over: Record<string, unknown> = {}): ContainerConfig {
  return ContainerConfig.fromJSON({ metadata: { name, attempt: 0 }, image: { image: busybox }, command: ['sleep', '1000'], ...over });
}

async function sh(id: string, script: string): Promise<{ out: string; code: number }> {
  const r = await d.client.call(ExecSync, { containerId: id, cmd: ['sh', '-c', script], timeout: 10n });
  return { out: r.stdout.toString() + r.stderr.toString(), code: r.exitCode };
}

/** What a container leaves on the node: records, bundles, writable layers, rootfs mounts. */
async function footprint(): Promise<{ records: string[]; bundles: string[]; layers: string[]; mounts: number }> {
  const ls = (p: string) => readdir(p).then((x) => x.sort(), () => []);
  return {
    records: await ls(join(d.root, 'meta', 'containers')),
    bundles: await ls(join(d.state, 'containers')),
    layers: await ls(join(d.root, 'containers')),
    mounts: (await mountsContaining(join(d.state, 'containers'))).length,
  };
}

describe('CDI devices', () => {
  it('CDI_devices: a device node under another name, a read-only mount, env, groups and a hook, seen inside the container', async () => {
    await rm(hookOut, { force: true });
    const pod = await runPod();
    const { containerId } = await d.client.call(CreateContainer, { podSandboxId: pod.id, config: ctr('gpu', { CDIDevices: [{ name: 'vendor.example/gpu=gpu0' }] }), sandboxConfig: pod.config });
    // The createRuntime hook ran on the host with the container's state on stdin.
    assert.equal((JSON.parse(await readFile(hookOut, 'utf8')) as { id: string }).id, containerId);
    await d.client.call(StartContainer, { containerId });
    const node = await sh(containerId, 'stat -c "%F %t:%T" /dev/berth-null; echo data > /dev/berth-null && echo wrote');
    assert.equal(node.out, 'character special file 1:3\nwrote\n');
    assert.equal((await sh(containerId, 'cat /opt/vendor/lib.txt')).out, 'vendor library\n');
    const ro = await sh(containerId, 'touch /opt/vendor/new 2>&1; echo rc=$?');
    assert.match(ro.out, /Read-only file system[\s\S]*rc=1/);
    assert.equal((await sh(containerId, 'echo $VENDOR_LIB')).out, '/opt/vendor\n');
    assert.match((await sh(containerId, 'id -G')).out, /\b4242\b/);
    const s = (await d.client.call(ContainerStatus, { containerId, verbose: false })).status;
    assert.ok(s?.user?.linux?.supplementalGroups.includes(4242n), 'ContainerStatus.user has the CDI group');
  });

  it('the cdi.k8s.io/ annotations request devices too; a later directory (JSON) replaces a device of an earlier one (YAML)', async () => {
    const pod = await runPod();
    const config = ctr('annotated', { annotations: { 'cdi.k8s.io/test': 'vendor.example/gpu=gpu1,vendor.example/nic=n0' } });
    const { containerId } = await d.client.call(CreateContainer, { podSandboxId: pod.id, config, sandboxConfig: pod.config });
    await d.client.call(StartContainer, { containerId });
    // gpu1 now comes from override.json, whose spec has no spec-level edits: no VENDOR_LIB.
    assert.equal((await sh(containerId, 'echo "$GPU_INDEX $NIC ${VENDOR_LIB:-unset}"')).out, '1-from-run n0 unset\n');
  });

  it('in a pod with a user namespace, a CDI bind mount is an idmapped clone: host root owns its files as the pod\'s root', async () => {
    const maps = [{ hostId: 65536 * (500 + (process.pid % 200)), containerId: 0, length: 65536 }];
    const config = podConfig(`cdi-userns-${process.pid}`, { linux: { securityContext: { namespaceOptions: { pid: 'POD', usernsOptions: { mode: 'POD', uids: maps, gids: maps } } } } });
    const { podSandboxId } = await d.client.call(RunPodSandbox, { config });
    const { containerId } = await d.client.call(CreateContainer, { podSandboxId, config: ctr('libs', { CDIDevices: [{ name: 'vendor.example/gpu=libs' }] }), sandboxConfig: config });
    await d.client.call(StartContainer, { containerId });
    // Without the idmap the host's root-owned file would show as the overflow id (65534).
    assert.equal((await sh(containerId, 'stat -c %u:%g /opt/vendor/lib.txt; cat /opt/vendor/lib.txt')).out, '0:0\nvendor library\n');
  });

  it('bad requests and bad spec files: the field, device and file are named, and nothing is left behind', async () => {
    const pod = await runPod();
    const before = await footprint();
    const create = (over: Record<string, unknown>) => d.client.call(CreateContainer, { podSandboxId: pod.id, config: ctr(`bad${seq++}`, over), sandboxConfig: pod.config });
    await rejectsWith(create({ CDIDevices: [{ name: 'vendor.example/gpu=gpu0' }, { name: 'vendor.example/gpu=gpu9' }] }), Code.NotFound, /CDI_devices\[1\]\.name: CDI device "vendor\.example\/gpu=gpu9" is not defined by any spec file/);
    await rejectsWith(create({ CDIDevices: [{ name: 'gpu0' }] }), Code.InvalidArgument, /CDI_devices\[0\]\.name: "gpu0" is not a qualified CDI device name/);
    await rejectsWith(
      create({ annotations: { 'cdi.k8s.io/x': 'vendor.example/fpga=f0' } }),
      Code.FailedPrecondition,
      new RegExp(`annotations\\["cdi\\.k8s\\.io/x"\\]: CDI device "vendor\\.example/fpga=f0" is not available: CDI spec ${low}/broken-fpga\\.yaml: devices\\[0\\]\\.containerEdits\\.deviceNodes\\[0\\]\\.path: "dev/fpga0" must be an absolute path`),
    );
    await rejectsWith(create({ CDIDevices: [{ name: 'vendor.example/ghost=g0' }] }), Code.FailedPrecondition, new RegExp(`CDI_devices\\[0\\]\\.name "vendor\\.example/ghost=g0" \\(${low}/ghost\\.json\\): device node "/dev/berth-no-such-node"`));
    assert.deepEqual(await footprint(), before);
    assert.deepEqual((await d.client.call(ListContainers, { filter: { id: '', podSandboxId: pod.id, labelSelector: {}, state: undefined } })).containers, []);
  });
});
