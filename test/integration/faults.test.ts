// Faults from below: runc, conmon and a CNI plugin failing on demand
// (wrappers that fail while a flag file exists), a registry that keeps
// dropping the connection mid-blob, a full disk under --root (pull and
// container write), and /run lost (a reboot: processes, mounts and --state
// gone, --root kept). Each must give an error naming the layer, leave a
// clean state, and berthd must keep serving; with the fault gone the
// kubelet's retry succeeds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerState, PodSandboxState } from '../../src/api/gen/api.js';
import {
  ContainerStatus,
  ListContainers,
  ListPodSandbox,
  PodSandboxStatus,
  PullImage,
  RemoveContainer,
  RemoveImage,
  RemovePodSandbox,
  StartContainer,
  StopPodSandbox,
  Version,
} from '../../src/api/methods.js';
import { Code } from '../../src/util/errors.js';
import { makeTestDir, restartDaemon, unmountUnder, waitFor } from '../support/daemon.js';
import { startProxy } from '../support/image-proxy.js';
import { buildImage } from '../support/images/build.js';
import { natRulesContaining, sh } from '../support/pod-net.js';
import { pushImage } from '../support/registry/push.js';
import {
  assertClean,
  assertGrpcError,
  cgroupsOf,
  cniChains,
  createAndStart,
  createCtr,
  ctrConfig,
  imageGarbage,
  podConfigFor,
  processesOf,
  removeAll,
  runPod,
  startNode,
  startTestRegistry,
  stopNode,
  type Node,
  type Registry,
} from '../support/reliability.js';

let reg: Registry;
before(async () => {
  reg = await startTestRegistry();
});
after(async () => {
  await reg?.reg.stop();
});

const PID_CONTAINER = { securityContext: { namespaceOptions: { pid: 'CONTAINER' } } };

async function rejects(p: Promise<unknown>, code: Code, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assertGrpcError(e, code, re);
    return true;
  });
}

async function serving(n: Node): Promise<void> {
  assert.equal((await n.d.client.call(Version, { version: '' })).runtimeName, 'berth');
}

async function script(path: string, body: string): Promise<void> {
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
}

describe('runc, conmon and a CNI plugin failing', () => {
  let n: Node;
  let flags: string;
  const flag = (name: string) => join(flags, name);
  const raise = (name: string) => writeFile(flag(name), '');
  const clear = (name: string) => rm(flag(name), { force: true });

  before(async () => {
    const dir = await makeTestDir('berth-faults-');
    flags = join(dir, 'flags');
    await mkdir(flags);
    // runc-<subcommand> fails that subcommand; conmon fails outright; the CNI bridge fails ADD or DEL.
    await script(
      join(dir, 'runc'),
      `for a in "$@"; do case "$a" in create|start|delete|kill) cmd=$a; break;; esac; done
if [ -n "$cmd" ] && [ -e "${flags}/runc-$cmd" ]; then echo "injected runc $cmd failure" >&2; exit 1; fi
exec /usr/sbin/runc "$@"`,
    );
    await script(join(dir, 'conmon'), `if [ -e "${flags}/conmon" ]; then echo "injected conmon failure" >&2; exit 1; fi\nexec /usr/bin/conmon "$@"`);
    n = await startNode({ toml: `[runtime]\nconmon_path = "${join(dir, 'conmon')}"\n[runtime.handlers.runc]\npath = "${join(dir, 'runc')}"\nroot = ""\n` });
    await script(
      join(n.net.binDir, 'bridge'),
      `if [ -e "${flags}/cni-$CNI_COMMAND" ]; then echo "injected bridge $CNI_COMMAND failure" >&2; exit 1; fi\nexec /usr/lib/cni/bridge "$@"`,
    );
    await n.d.client.call(PullImage, { image: { image: reg.busybox } });
  });
  after(async () => {
    await stopNode(n);
    await rm(join(flags, '..'), { recursive: true, force: true });
  });

  it('runc create fails: CreateContainer names the runtime and its stderr; nothing of it is left; the retry with the same name works', async () => {
    const pod = podConfigFor(n, 'runc-create', { linux: PID_CONTAINER });
    const podId = await runPod(n, pod);
    await raise('runc-create');
    await rejects(createCtr(n, podId, pod, ctrConfig(reg.busybox, 'app')), Code.Internal, /^runtime: .*create .*injected runc create failure/);
    await clear('runc-create');
    assert.deepEqual((await n.d.client.call(ListContainers, {})).containers, []);
    await serving(n);
    const id = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'app'));
    await removeAll(n);
    await assertClean(n, [podId, id]);
  });

  it('runc start fails: StartContainer names the runtime; the container can be removed cleanly', async () => {
    const pod = podConfigFor(n, 'runc-start', { linux: PID_CONTAINER });
    const podId = await runPod(n, pod);
    const id = await createCtr(n, podId, pod, ctrConfig(reg.busybox, 'app'));
    await raise('runc-start');
    await rejects(n.d.client.call(StartContainer, { containerId: id }), Code.Internal, /^runtime: .*runc.* start .*injected runc start failure/);
    await clear('runc-start');
    const st = (await n.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status;
    assert.notEqual(st?.state, ContainerState.CONTAINER_RUNNING);
    await serving(n);
    await removeAll(n);
    await assertClean(n, [podId, id]);
  });

  it('runc delete fails: RemoveContainer names the runtime and keeps the container; the retry removes it', async () => {
    const pod = podConfigFor(n, 'runc-delete', { linux: PID_CONTAINER });
    const podId = await runPod(n, pod);
    const id = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'app'));
    await raise('runc-delete');
    await rejects(n.d.client.call(RemoveContainer, { containerId: id }), Code.Internal, /^runtime: .*delete .*injected runc delete failure/);
    await clear('runc-delete');
    assert.equal((await n.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status?.state, ContainerState.CONTAINER_EXITED);
    await n.d.client.call(RemoveContainer, { containerId: id });
    await removeAll(n);
    await assertClean(n, [podId, id]);
  });

  it('conmon fails: CreateContainer names the monitor and its stderr; nothing is left', async () => {
    const pod = podConfigFor(n, 'conmon', { linux: PID_CONTAINER });
    const podId = await runPod(n, pod);
    await raise('conmon');
    await rejects(createCtr(n, podId, pod, ctrConfig(reg.busybox, 'app')), Code.Internal, /^monitor: conmon .*injected conmon failure/);
    await clear('conmon');
    assert.deepEqual((await n.d.client.call(ListContainers, {})).containers, []);
    const id = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'app'));
    await removeAll(n);
    await assertClean(n, [podId, id]);
  });

  it('a pod sharing its PID namespace whose infra cannot start (conmon failing) is rolled back', async () => {
    await raise('conmon');
    await rejects(runPod(n, podConfigFor(n, 'infra-conmon')), Code.Internal, /^monitor: conmon .*injected conmon failure/);
    await clear('conmon');
    await assertClean(n);
  });

  it('CNI ADD fails: RunPodSandbox names the network, the plugin and its stderr; nothing is left; the retry works', async () => {
    const pod = podConfigFor(n, 'cni-add', { linux: PID_CONTAINER });
    await raise('cni-ADD');
    await rejects(runPod(n, pod), Code.Internal, /^network: .*bridge ADD.*injected bridge ADD failure/);
    await clear('cni-ADD');
    await assertClean(n);
    const podId = await runPod(n, pod);
    await removeAll(n);
    await assertClean(n, [podId]);
  });

  it('CNI DEL fails: StopPodSandbox names the plugin, the pod is NOTREADY with its IP still held; the retried stop releases it', async () => {
    const pod = podConfigFor(n, 'cni-del', { linux: PID_CONTAINER });
    const podId = await runPod(n, pod);
    await raise('cni-DEL');
    await rejects(n.d.client.call(StopPodSandbox, { podSandboxId: podId }), Code.Internal, /^network: .*bridge DEL.*injected bridge DEL failure/);
    assert.equal((await n.d.client.call(PodSandboxStatus, { podSandboxId: podId })).status?.state, PodSandboxState.SANDBOX_NOTREADY);
    assert.equal((await n.net.allocations()).length, 1, 'DEL did not succeed, so the IP is still allocated');
    await clear('cni-DEL');
    await n.d.client.call(StopPodSandbox, { podSandboxId: podId });
    assert.deepEqual(await n.net.allocations(), []);
    await n.d.client.call(RemovePodSandbox, { podSandboxId: podId });
    await assertClean(n, [podId]);
  });

  it('CNI DEL fails in RemovePodSandbox: the pod stays listed; a stop or the retried removal releases everything', async () => {
    for (const retry of ['stop', 'remove'] as const) {
      const podId = await runPod(n, podConfigFor(n, `cni-del-rm-${retry}`, { linux: PID_CONTAINER }));
      await raise('cni-DEL');
      await rejects(n.d.client.call(RemovePodSandbox, { podSandboxId: podId }), Code.Internal, /^network: .*bridge DEL.*injected bridge DEL failure/);
      assert.ok((await n.d.client.call(ListPodSandbox, {})).items.some((p) => p.id === podId), 'not forgotten while it holds an IP');
      await clear('cni-DEL');
      if (retry === 'stop') {
        await n.d.client.call(StopPodSandbox, { podSandboxId: podId });
        assert.deepEqual(await n.net.allocations(), []);
      }
      await n.d.client.call(RemovePodSandbox, { podSandboxId: podId });
      await assertClean(n, [podId]);
    }
  });
});

describe('registry and disk', () => {
  it('a registry that keeps dropping the connection mid-blob: the pull fails naming the blob, leaves nothing, and succeeds once the registry behaves', async () => {
    const proxy = await startProxy(reg.reg.url);
    const n = await startNode();
    try {
      const ref = `${proxy.host}/${reg.images.layered.repo}:${reg.images.layered.tag}`;
      // The biggest layer: one smaller than the proxy's first chunk would arrive whole before the cut.
      const layer = [...reg.images.layered.layers].sort((a, b) => b.size - a.size)[0]?.digest as string;
      proxy.cutAlways.add(layer);
      await rejects(n.d.client.call(PullImage, { image: { image: ref } }), Code.Unavailable, new RegExp(`^image: .*${layer.slice(7, 19)}`));
      assert.ok(proxy.blobGets(layer) >= 2, 'the cut download was retried');
      // The layers that did arrive are named by no image: garbage-collected once no pull runs.
      let garbage: string[] = [];
      await waitFor(async () => (garbage = await imageGarbage(n.d)).length === 0, 5000, () => `left: ${garbage.join(', ')}`);
      await serving(n);
      proxy.cutAlways.clear();
      await n.d.client.call(PullImage, { image: { image: ref } });
      await n.d.client.call(RemoveImage, { image: { image: ref } });
      assert.deepEqual(await imageGarbage(n.d), []);
    } finally {
      await stopNode(n);
      await proxy.close();
    }
  });

  it('--root on a full disk (8 MiB tmpfs): a 12 MiB layer fails naming the disk, a container filling it fails alone; berthd serves on and cleans up', async () => {
    const big = await buildImage({ repo: 'berth-big', layers: [{ source: { entries: [{ type: 'file', path: 'big', content: Buffer.alloc(12 << 20, 7), mode: 0o644 }] }, compression: 'none' }] });
    await pushImage(reg.reg.url, big.repo, big.tag, big);
    const n = await startNode();
    try {
      await n.d.stop();
      await rm(n.d.root, { recursive: true, force: true });
      await mkdir(n.d.root);
      await sh('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0711', 'berth-test-full', n.d.root]);
      n.d = await restartDaemon(n.d);
      await rejects(n.d.client.call(PullImage, { image: { image: `${reg.reg.host}/${big.repo}:${big.tag}` } }), Code.ResourceExhausted, /^storage: layer .*no space left on the image store's disk/);
      await waitFor(async () => (await imageGarbage(n.d)).length === 0, 5000, () => 'the partial layer is not freed');
      await serving(n);
      // The small image still fits; a container then fills the disk with its writable layer
      // (after a second: StartContainer's own record write must not race it).
      await n.d.client.call(PullImage, { image: { image: reg.busybox } });
      const pod = podConfigFor(n, 'filler', { linux: PID_CONTAINER });
      const podId = await runPod(n, pod);
      const id = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'filler', ['sh', '-c', 'sleep 1; dd if=/dev/zero of=/fill bs=1M count=64; echo done']));
      await waitFor(async () => (await n.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status?.state === ContainerState.CONTAINER_EXITED, 20_000, () => 'filler did not exit');
      // With the disk full, a new pod cannot even record its intent: a storage error, nothing half-made.
      await rejects(runPod(n, podConfigFor(n, 'nospace', { linux: PID_CONTAINER })), Code.ResourceExhausted, /^storage: .*(No space left on device|ENOSPC)/);
      assert.equal((await n.d.client.call(ListPodSandbox, {})).items.length, 1);
      await serving(n);
      await removeAll(n);
      await assertClean(n, [podId, id]);
      // Space is back: the kubelet's retry works.
      const again = await runPod(n, podConfigFor(n, 'nospace', { linux: PID_CONTAINER }));
      await removeAll(n);
      await assertClean(n, [again]);
    } finally {
      await stopNode(n);
    }
  });
});

describe('decompression bomb', () => {
  it('a layer of 0.1 MiB gzip that expands to 128 MiB stops on a 64 MiB disk while the reserve is still free; nothing is left, berthd serves', async () => {
    const bomb = await buildImage({ repo: 'berth-bomb', layers: [{ source: { entries: [{ type: 'file', path: 'zeros', content: Buffer.alloc(128 << 20), mode: 0o644 }] } }] });
    assert.ok((bomb.layers[0]?.size ?? Infinity) < 1 << 20, 'the compressed layer is small');
    await pushImage(reg.reg.url, bomb.repo, bomb.tag, bomb);
    const n = await startNode({ toml: '\n[image]\nmin_free_space = "16Mi"\n' });
    try {
      await n.d.stop();
      await rm(n.d.root, { recursive: true, force: true });
      await mkdir(n.d.root);
      await sh('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0711', 'berth-test-bomb', n.d.root]);
      n.d = await restartDaemon(n.d);
      // Stopped by the space watch (the reserve named), not by tar meeting a full disk.
      await rejects(n.d.client.call(PullImage, { image: { image: `${reg.reg.host}/${bomb.repo}:${bomb.tag}` } }), Code.ResourceExhausted, /^storage: layer .*no space left on the image store's disk for it: after \d+(\.\d)? MiB uncompressed, .* is free and 16 MiB is kept free/);
      await waitFor(async () => (await imageGarbage(n.d)).length === 0, 5000, () => 'the partial layer is not freed');
      await serving(n);
      await n.d.client.call(PullImage, { image: { image: reg.busybox } });
    } finally {
      await stopNode(n);
    }
  });
});

describe('/run lost', () => {
  it('a reboot (processes, mounts and --state gone; --root kept): pods NOTREADY, containers EXITED, their IPs and rules released; berthd serves and removes them cleanly', async () => {
    const n = await startNode();
    try {
      await n.d.client.call(PullImage, { image: { image: reg.busybox } });
      const ids: string[] = [];
      const ips = new Map<string, string>();
      for (const [name, linux] of [['shared', {}], ['own', { linux: PID_CONTAINER }]] as const) {
        const pod = podConfigFor(n, `reboot-${name}`, { ...linux, portMappings: [{ containerPort: 80, hostPort: 20000 + Math.floor(Math.random() * 10000) }] });
        const podId = await runPod(n, pod);
        ids.push(podId, await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'app')));
        ips.set(podId, (await n.d.client.call(PodSandboxStatus, { podSandboxId: podId })).status!.network!.ip);
      }
      assert.equal((await n.net.allocations()).length, 2);
      // The reboot: berthd, conmon and every container process die; the mounts and /run go.
      await n.d.kill();
      for (const cg of await cgroupsOf(ids)) {
        const procs = (await readFile(join(cg, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
        for (const p of procs) await sh('kill', ['-9', p]).catch(() => undefined);
      }
      for (const p of await processesOf(n)) await sh('kill', ['-9', p.split(':')[0] as string]).catch(() => undefined);
      await waitFor(async () => (await processesOf(n)).length === 0, 5000, () => 'processes survived the "reboot"');
      for (const cg of (await cgroupsOf(ids)).sort((a, b) => b.length - a.length)) await sh('rmdir', [cg]).catch(() => undefined);
      await unmountUnder(n.d.state);
      await rm(n.d.state, { recursive: true, force: true });
      // iptables is not kept across a reboot either: drop the bridge plugin's masquerading of these pods.
      // (The portmap rules stay: its DEL needs no netns, and recovery must remove them.)
      for (const [podId, ip] of ips) {
        const chain = cniChains(n.net.name, podId)[0] as string;
        await sh('iptables', ['-t', 'nat', '-D', 'POSTROUTING', '-s', `${ip}/32`, '-m', 'comment', '--comment', `name: "${n.net.name}" id: "${podId}"`, '-j', chain]);
        await sh('iptables', ['-t', 'nat', '-F', chain]);
        await sh('iptables', ['-t', 'nat', '-X', chain]);
      }
      assert.ok((await natRulesContaining(ids[0] as string)).length > 0, 'the portmap rules survived the "reboot"');

      n.d = await restartDaemon(n.d);
      const pods = (await n.d.client.call(ListPodSandbox, {})).items;
      assert.equal(pods.length, 2);
      for (const p of pods) assert.equal(p.state, PodSandboxState.SANDBOX_NOTREADY, p.metadata?.name);
      const ctrs = (await n.d.client.call(ListContainers, {})).containers;
      assert.equal(ctrs.length, 2);
      for (const c of ctrs) {
        const st = (await n.d.client.call(ContainerStatus, { containerId: c.id, verbose: false })).status;
        assert.equal(st?.state, ContainerState.CONTAINER_EXITED);
        assert.match(st?.message ?? '', /state was lost/);
      }
      assert.deepEqual(await n.net.allocations(), [], 'recovery ran DEL: the IPs are free again');
      for (const id of ids) assert.deepEqual(await natRulesContaining(id), [], 'and the port mappings are gone');
      await serving(n);
      // The kubelet makes a new pod meanwhile, then removes the old ones.
      const fresh = await runPod(n, podConfigFor(n, 'after-reboot', { linux: PID_CONTAINER }));
      ids.push(fresh);
      for (const p of pods) await n.d.client.call(RemovePodSandbox, { podSandboxId: p.id });
      assert.deepEqual((await n.d.client.call(ListContainers, {})).containers, []);
      await removeAll(n);
      await assertClean(n, ids);
    } finally {
      await stopNode(n);
    }
  });
});

