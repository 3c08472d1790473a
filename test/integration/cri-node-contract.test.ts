// What a kubelet (1.33–1.36) reads besides the lifecycle calls, through a real
// berthd: Status's runtime handlers and features (and that what is advertised
// works: rro, SupplementalGroupsPolicy Strict), ImageFsInfo's filesystems,
// PodSandboxStatus's containers_statuses + timestamp and the statuses every
// container event carries (the evented PLEG's inputs).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { ContainerConfig, ContainerEventType, ContainerState, PodSandboxState, SupplementalGroupsPolicy, type ContainerEventResponse } from '../../src/api/gen/api.js';
import {
  ContainerStatus,
  CreateContainer,
  ExecSync,
  GetContainerEvents,
  ImageFsInfo,
  ListPodSandbox,
  PodSandboxStatus,
  RemoveContainer,
  RunPodSandbox,
  StartContainer,
  Status,
  StopContainer,
} from '../../src/api/methods.js';
import { Code } from '../../src/util/errors.js';
import { rejectsWith } from '../support/assert-grpc.js';
import { BERTHCTL, restartDaemon, runCli, startDaemon, waitFor, type TestDaemon, REPO } from '../support/daemon.js';
import { podConfig } from '../support/pod-net.js';
import { startStack, type TestStack } from '../support/stack.js';

let busybox: string;
let stack: TestStack;
let d: TestDaemon;
let dir: string;

before(async () => {
  stack = await startStack({
    prefix: 'berth-node-',
    // A second name for runc, and a handler whose binary does not exist.
    toml: '[runtime.handlers.runc-alt]\npath = "runc"\n[runtime.handlers.ghost]\npath = "/nonexistent/ghost-runtime"\n',
    // User-namespaced pods (Unmasked procMount).
    traversable: true,
  });
  ({ d, dir, busybox } = stack);
});

after(() => stack?.stop());

let seq = 0;
async function runPod(over: Record<string, unknown> = {}, runtimeHandler = ''): Promise<{ id: string; config: ReturnType<typeof podConfig> }> {
  const name = `node-${process.pid}-${seq++}`;
  const config = podConfig(name, { logDirectory: join(dir, 'logs', name), ...over });
  const { podSandboxId } = await d.client.call(RunPodSandbox, { config, runtimeHandler });
  return { id: podSandboxId, config };
}

function ctr(name: string, cmd: string[], over: Record<string, unknown> = {}): ContainerConfig {
  return ContainerConfig.fromJSON({ metadata: { name, attempt: 0 }, image: { image: busybox }, command: cmd, logPath: `${name}.log`, ...over });
}

async function create(pod: { id: string; config: ReturnType<typeof podConfig> }, config: ContainerConfig): Promise<string> {
  return (await d.client.call(CreateContainer, { podSandboxId: pod.id, config, sandboxConfig: pod.config })).containerId;
}

/** runc's own answer, read independently of berthd: does it know "rro"? */
function runcKnowsRro(): boolean {
  const doc = JSON.parse(execFileSync('runc', ['features'], { encoding: 'utf8' })) as { mountOptions?: string[] };
  return doc.mountOptions?.includes('rro') ?? false;
}

function kernelAtLeast(major: number, minor: number): boolean {
  const [a = 0, b = 0] = release().split('.').map((x) => parseInt(x, 10));
  return a > major || (a === major && b >= minor);
}

/** Whether the kernel idmaps the daemon's layer store (user namespaces need it), asked of the helper directly. */
function layerStoreIdmaps(root: string): boolean {
  try {
    execFileSync(join(REPO, 'dist/berth-sys'), ['probe-idmap', root], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('Status: runtime handlers and features', () => {
  it('lists every configured handler and the default again under "", with features only where they work', async () => {
    const res = await d.client.call(Status, { verbose: false });
    const byName = new Map(res.runtimeHandlers.map((h) => [h.name, h.features]));
    assert.deepEqual(res.runtimeHandlers.map((h) => h.name).sort(), ['', 'crun', 'ghost', 'runc', 'runc-alt']);
    const rro = runcKnowsRro() && kernelAtLeast(5, 12);
    const userns = layerStoreIdmaps(d.root);
    assert.deepEqual(byName.get('runc'), { recursiveReadOnlyMounts: rro, userNamespaces: userns });
    assert.deepEqual(byName.get('runc-alt'), { recursiveReadOnlyMounts: rro, userNamespaces: userns });
    assert.deepEqual(byName.get(''), byName.get('runc'), 'the default handler (runc) again under ""');
    assert.deepEqual(byName.get('ghost'), { recursiveReadOnlyMounts: false, userNamespaces: false }, 'a handler without a binary supports nothing');
    // crun 1.8 has no `features` command: nothing is advertised for it.
    let crunFeatures = true;
    try {
      execFileSync('crun', ['features'], { stdio: 'pipe' });
    } catch {
      crunFeatures = false;
    }
    if (!crunFeatures) assert.equal(byName.get('crun')?.recursiveReadOnlyMounts, false);
    assert.deepEqual(res.features, { supplementalGroupsPolicy: true, userNamespacesHostNetwork: false });
    assert.deepEqual(res.status?.conditions.map((c) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);
    assert.deepEqual(res.info, {}, 'verbose info only when asked');
    const verbose = await d.client.call(Status, { verbose: true });
    assert.ok(verbose.info.config && verbose.info.runtimeBinaries);
    // berthctl info shows the handlers and features beside the status, as crictl does.
    const cli = await runCli(BERTHCTL, ['-r', d.endpoint, 'info', '-q']);
    assert.equal(cli.code, 0, cli.stderr);
    const shown = JSON.parse(cli.stdout) as { runtimeHandlers: { name?: string; features?: { recursiveReadOnlyMounts?: boolean } }[]; features: { supplementalGroupsPolicy?: boolean } };
    assert.deepEqual(shown.runtimeHandlers.map((h) => h.name ?? '').sort(), ['', 'crun', 'ghost', 'runc', 'runc-alt']);
    assert.equal(shown.runtimeHandlers.find((h) => h.name === 'runc')?.features?.recursiveReadOnlyMounts ?? false, rro);
    assert.equal(shown.features.supplementalGroupsPolicy, true);
  });

  it('what is advertised works: a recursive read-only mount on the handler that says so makes submounts read-only', async (t) => {
    const features = (await d.client.call(Status, { verbose: false })).runtimeHandlers.find((h) => h.name === 'runc-alt')?.features;
    if (!features?.recursiveReadOnlyMounts) {
      t.skip('runc here does not support rro');
      return;
    }
    const src = join(dir, 'rro-src');
    await mkdir(join(src, 'sub'), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(src, 'sub')]);
    t.after(() => execFileSync('umount', ['-l', join(src, 'sub')]));
    const pod = await runPod({}, 'runc-alt');
    const id = await create(pod, ctr('rro', ['sleep', '1000'], { mounts: [{ containerPath: '/data', hostPath: src, readonly: true, recursiveReadOnly: true, propagation: 'PROPAGATION_PRIVATE' }] }));
    await d.client.call(StartContainer, { containerId: id });
    const r = await d.client.call(ExecSync, { containerId: id, cmd: ['sh', '-c', 'touch /data/sub/x 2>&1; echo rc=$?'], timeout: 10n });
    assert.match(r.stdout.toString(), /Read-only file system[\s\S]*rc=1/);
  });

  it('a pod naming an unknown handler: InvalidArgument naming runtime_handler, nothing left behind', async () => {
    const podsBefore = await readdir(join(d.root, 'pods')).catch(() => []);
    await rejectsWith(d.client.call(RunPodSandbox, { config: podConfig(`nohandler-${process.pid}`), runtimeHandler: 'nosuch' }), Code.InvalidArgument, /runtime_handler.*"nosuch"/);
    assert.deepEqual(await readdir(join(d.root, 'pods')).catch(() => []), podsBefore);
    assert.equal((await d.client.call(ListPodSandbox, {})).items.filter((p) => p.metadata?.name === `nohandler-${process.pid}`).length, 0);
  });

  it('a pod on a configured handler whose binary is missing: FailedPrecondition naming it, nothing left behind', async () => {
    const podsBefore = await readdir(join(d.root, 'pods')).catch(() => []);
    const name = `ghostpod-${process.pid}`;
    // pid CONTAINER: no infra process would have noticed the missing binary.
    const config = podConfig(name, { linux: { securityContext: { namespaceOptions: { pid: 'CONTAINER' } } } });
    await rejectsWith(d.client.call(RunPodSandbox, { config, runtimeHandler: 'ghost' }), Code.FailedPrecondition, /runtime_handler: runtime handler "ghost": binary "\/nonexistent\/ghost-runtime" not found/);
    assert.deepEqual(await readdir(join(d.root, 'pods')).catch(() => []), podsBefore);
    assert.equal((await d.client.call(ListPodSandbox, {})).items.filter((p) => p.metadata?.name === name).length, 0);
  });
});

describe('SupplementalGroupsPolicy', () => {
  // The image's /etc/group lists berthuser (1001) in berthextra (2000).
  for (const [policy, want] of [
    [SupplementalGroupsPolicy.Merge, [1001, 2000, 3000]],
    [SupplementalGroupsPolicy.Strict, [1001, 3000]],
  ] as const) {
    it(`${SupplementalGroupsPolicy[policy]}: the process has groups ${want.join(',')}, and ContainerStatus.user reports them`, async () => {
      const pod = await runPod();
      const id = await create(pod, ctr(`groups-${policy}`, ['sleep', '1000'], {
        linux: { securityContext: { runAsUsername: 'berthuser', supplementalGroups: ['3000'], supplementalGroupsPolicy: SupplementalGroupsPolicy[policy] } },
      }));
      await d.client.call(StartContainer, { containerId: id });
      const r = await d.client.call(ExecSync, { containerId: id, cmd: ['id', '-G'], timeout: 10n });
      assert.deepEqual(r.stdout.toString().trim().split(/\s+/).map(Number).sort((a, b) => a - b), want);
      const s = (await d.client.call(ContainerStatus, { containerId: id, verbose: false })).status;
      assert.deepEqual(s?.user?.linux, { uid: 1001n, gid: 1001n, supplementalGroups: want.map(BigInt) });
    });
  }
});

describe('ImageFsInfo', () => {
  it('one filesystem at the storage root when images and container layers share a device, with bytes and inodes of both', async () => {
    const [img, ctrs] = await Promise.all([stat(join(d.root, 'image')), stat(join(d.root, 'containers'))]);
    assert.equal(img.dev, ctrs.dev, 'the test root is one filesystem');
    const fs = await d.client.call(ImageFsInfo, {});
    assert.equal(fs.imageFilesystems.length, 1);
    assert.deepEqual(fs.containerFilesystems, []);
    const only = fs.imageFilesystems[0]!;
    assert.equal(only.fsId?.mountpoint, d.root);
    assert.ok((only.usedBytes?.value ?? 0n) > 1_000_000n, 'busybox is over 1 MB');
    assert.ok((only.inodesUsed?.value ?? 0n) > 100n);
    assert.ok(only.timestamp > 0n);
    const cli = await runCli(BERTHCTL, ['-r', d.endpoint, 'imagefsinfo']);
    assert.equal(cli.code, 0, cli.stderr);
    const shown = JSON.parse(cli.stdout) as { status: { imageFilesystems: { fsId: { mountpoint: string } }[]; containerFilesystems?: unknown[] } };
    assert.deepEqual(shown.status.imageFilesystems.map((f) => f.fsId.mountpoint), [d.root]);
  });

  it('two filesystems, each at its own directory, when the container layers are on another device', async (t) => {
    const other = await startDaemon();
    // A tmpfs over <root>/containers makes it a different device from the image store.
    await other.stop();
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(other.root, 'containers')]);
    const again = await restartDaemon(other);
    t.after(() => again.cleanup()); // stops it, unmounts the tmpfs, removes the directories
    const fs = await again.client.call(ImageFsInfo, {});
    assert.deepEqual(fs.imageFilesystems.map((f) => f.fsId?.mountpoint), [join(other.root, 'image')]);
    assert.deepEqual(fs.containerFilesystems.map((f) => f.fsId?.mountpoint), [join(other.root, 'containers')]);
    assert.ok(fs.containerFilesystems[0]?.inodesUsed !== undefined && fs.containerFilesystems[0]?.usedBytes !== undefined);
  });
});

describe('PodSandboxStatus and container events (evented PLEG)', () => {
  it('PodSandboxStatus carries the ContainerStatus of every container of the pod and a timestamp', async () => {
    const pod = await runPod();
    const before = BigInt(Date.now()) * 1_000_000n;
    const empty = await d.client.call(PodSandboxStatus, { podSandboxId: pod.id, verbose: false });
    assert.deepEqual(empty.containersStatuses, []);
    const running = await create(pod, ctr('running', ['sleep', '1000']));
    await d.client.call(StartContainer, { containerId: running });
    const done = await create(pod, ctr('done', ['sh', '-c', 'exit 4']));
    await d.client.call(StartContainer, { containerId: done });
    const created = await create(pod, ctr('created', ['true']));
    await waitFor(async () => (await d.client.call(ContainerStatus, { containerId: done, verbose: false })).status?.state === ContainerState.CONTAINER_EXITED, 15_000, () => 'exit');
    // Another pod's container is not listed.
    const otherPod = await runPod();
    await create(otherPod, ctr('elsewhere', ['true']));

    const res = await d.client.call(PodSandboxStatus, { podSandboxId: pod.id, verbose: false });
    assert.ok(res.timestamp >= before, `timestamp ${res.timestamp} is nanoseconds of now`);
    const byId = new Map(res.containersStatuses.map((s) => [s.id, s]));
    assert.deepEqual([...byId.keys()].sort(), [running, done, created].sort());
    assert.equal(byId.get(running)?.state, ContainerState.CONTAINER_RUNNING);
    assert.equal(byId.get(created)?.state, ContainerState.CONTAINER_CREATED);
    assert.equal(byId.get(done)?.state, ContainerState.CONTAINER_EXITED);
    assert.equal(byId.get(done)?.exitCode, 4);
    assert.equal(byId.get(running)?.metadata?.name, 'running');
    // The same status ContainerStatus answers.
    const direct = (await d.client.call(ContainerStatus, { containerId: running, verbose: false })).status;
    assert.deepEqual(byId.get(running), direct);
  });

  it('every event (created, started, stopped, deleted) carries the pod status and its containers in their new state', async () => {
    const pod = await runPod();
    const sibling = await create(pod, ctr('sibling', ['sleep', '1000']));
    const seen: ContainerEventResponse[] = [];
    const ac = new AbortController();
    const streaming = d.client.stream(GetContainerEvents, {}, (e) => seen.push(e), { signal: ac.signal }).catch(() => undefined);
    // The subscription is in place once an event of a container made after it arrives.
    for (let n = 0; seen.length === 0; n++) {
      const probe = await create(pod, ctr(`probe${n}`, ['true']));
      await d.client.call(RemoveContainer, { containerId: probe });
      await new Promise((r) => setTimeout(r, 50));
    }
    const id = await create(pod, ctr('evented', ['sleep', '1000']));
    await d.client.call(StartContainer, { containerId: id });
    await d.client.call(StopContainer, { containerId: id, timeout: 0n });
    await d.client.call(RemoveContainer, { containerId: id });
    await waitFor(() => seen.filter((e) => e.containerId === id).length >= 4, 10_000, () => `events: ${JSON.stringify(seen.map((e) => [e.containerId, e.containerEventType]))}`);
    ac.abort();
    await streaming;
    const mine = seen.filter((e) => e.containerId === id);
    const want: [ContainerEventType, ContainerState | undefined][] = [
      [ContainerEventType.CONTAINER_CREATED_EVENT, ContainerState.CONTAINER_CREATED],
      [ContainerEventType.CONTAINER_STARTED_EVENT, ContainerState.CONTAINER_RUNNING],
      [ContainerEventType.CONTAINER_STOPPED_EVENT, ContainerState.CONTAINER_EXITED],
      [ContainerEventType.CONTAINER_DELETED_EVENT, undefined],
    ];
    assert.deepEqual(mine.map((e) => e.containerEventType), want.map((w) => w[0]));
    for (const [i, e] of mine.entries()) {
      assert.equal(e.podSandboxStatus?.id, pod.id);
      assert.equal(e.podSandboxStatus?.state, PodSandboxState.SANDBOX_READY);
      assert.ok(e.createdAt > 0n);
      const own = e.containersStatuses.find((s) => s.id === id);
      assert.equal(own?.state, want[i]![1], `event ${i}: the container's own status`);
      assert.equal(e.containersStatuses.find((s) => s.id === sibling)?.state, ContainerState.CONTAINER_CREATED, `event ${i}: its sibling too`);
    }
  });
});

describe('procMount Unmasked', () => {
  // A host range of its own, away from the userns suite's.
  const HOST_BASE = 65536 * (300 + (process.pid % 200));
  const maps = [{ hostId: HOST_BASE, containerId: 0, length: 65536 }];
  // Default masked/read-only paths that exist on this kernel (it has no /proc/kcore).
  const WATCHED = ['/proc/bus', '/proc/keys', '/proc/sys', '/proc/timer_list'];
  const maskedOrRo = async (id: string): Promise<string[]> => {
    const r = await d.client.call(ExecSync, { containerId: id, cmd: ['cat', '/proc/self/mountinfo'], timeout: 10n });
    return r.stdout
      .toString()
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((p) => WATCHED.includes(p))
      .sort();
  };
  const start = async (pod: { id: string; config: ReturnType<typeof podConfig> }, name: string, sc: Record<string, unknown>): Promise<string> => {
    const id = await create(pod, ctr(name, ['sleep', '1000'], { linux: { securityContext: sc } }));
    await d.client.call(StartContainer, { containerId: id });
    return id;
  };

  it('both path lists empty in a user-namespaced pod: /proc is not masked; the kubelet\'s Default lists still mask it', async () => {
    const pod = await runPod({ linux: { securityContext: { namespaceOptions: { pid: 'POD', usernsOptions: { mode: 'POD', uids: maps, gids: maps } } } } });
    const unmasked = await start(pod, 'unmasked', {});
    assert.deepEqual(await maskedOrRo(unmasked), []);
    const dflt = await start(pod, 'default', { maskedPaths: ['/proc/keys', '/proc/timer_list'], readonlyPaths: ['/proc/bus', '/proc/sys'] });
    assert.deepEqual(await maskedOrRo(dflt), WATCHED);
  });

  it('empty lists without a user namespace (crictl) keep the default masks', async () => {
    const pod = await runPod();
    const id = await start(pod, 'plain', {});
    assert.deepEqual(await maskedOrRo(id), WATCHED);
  });
});
