// User-namespaced pods (hostUsers: false; userns_options mode POD) through
// the real stack: berth-sys pins a user namespace with the kubelet's
// mappings and creates the pod's other namespaces inside it; runc joins it;
// the overlay's lower layers and every volume are idmapped clones (nothing is
// chowned). Asserts what the kernel shows: the maps, the host-side IDs of
// the container's processes, the owners of files on both sides, and that
// nothing (pins, idmapped mounts) is left — with the volume's files intact.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerConfig } from '../../src/api/gen/api.js';
import {
  ContainerStatus,
  CreateContainer,
  ExecSync,
  ListContainers,
  ListPodSandbox,
  PodSandboxStatus,
  RemovePodSandbox,
  RunPodSandbox,
  StartContainer,
  Status,
} from '../../src/api/methods.js';
import { Code } from '../../src/util/errors.js';
import { rejectsWith } from '../support/assert-grpc.js';
import { type TestDaemon } from '../support/daemon.js';
import { mountsContaining, podConfig } from '../support/pod-net.js';
import { startStack, type TestStack } from '../support/stack.js';

let busybox: string;
let stack: TestStack;
let d: TestDaemon;
let dir: string;

// A range of its own per run, as the kubelet allocates them: multiples of 65536 above the node's.
const HOST_BASE = 65536 * (10 + (process.pid % 200));
const MAPS = [{ hostId: HOST_BASE, containerId: 0, length: 65536 }];

before(async () => {
  stack = await startStack({ prefix: 'berth-userns-', traversable: true });
  ({ d, dir, busybox } = stack);
});

after(() => stack?.stop());

function usernsPod(name: string, userns: Record<string, unknown>, extra: Record<string, unknown> = {}, sysctls: Record<string, string> = {}) {
  return podConfig(name, { linux: { sysctls, securityContext: { namespaceOptions: { pid: 'POD', usernsOptions: userns, ...extra } } } });
}

async function exec(id: string, cmd: string[]): Promise<string> {
  const r = await d.client.call(ExecSync, { containerId: id, cmd, timeout: 10n });
  assert.equal(r.exitCode, 0, `${cmd.join(' ')}: ${Buffer.from(r.stderr).toString()}`);
  return Buffer.from(r.stdout).toString().trim();
}

function hostIds(status: string, key: 'Uid' | 'Gid'): number[] {
  const line = status.split('\n').find((l) => l.startsWith(`${key}:`)) ?? '';
  return line.split(/\s+/).slice(1).map(Number);
}

describe('a pod with a user namespace (mode POD)', () => {
  it('is advertised: Status lists user_namespaces for runc and the default handler (this kernel idmaps the layer store)', async () => {
    const st = await d.client.call(Status, { verbose: false });
    const byName = new Map(st.runtimeHandlers.map((h) => [h.name, h.features?.userNamespaces]));
    assert.equal(byName.get('runc'), true);
    assert.equal(byName.get(''), true);
  });

  it('runs its containers as root of the pod range; rootfs and volumes idmapped; nothing left after removal', async () => {
    const vol = join(dir, 'vol');
    await mkdir(vol, { recursive: true });
    await writeFile(join(vol, 'from-host'), 'hello\n'); // owned by the node's root
    // A network sysctl: written inside the pod's namespaces, which its user namespace owns.
    const pod = usernsPod(`userns-${process.pid}`, { mode: 'POD', uids: MAPS, gids: MAPS }, {}, { 'net.ipv4.ip_unprivileged_port_start': '80' });
    const { podSandboxId } = await d.client.call(RunPodSandbox, { config: pod });
    const podStatus = await d.client.call(PodSandboxStatus, { podSandboxId, verbose: false });
    assert.match(podStatus.status?.network?.ip ?? '', /^\d+\.\d+\.\d+\.\d+$/, 'CNI worked inside the user-namespaced pod');

    const config = ContainerConfig.fromJSON({
      metadata: { name: 'c', attempt: 0 },
      image: { image: busybox },
      command: ['sleep', '300'],
      mounts: [{ containerPath: '/vol', hostPath: vol }],
      linux: { securityContext: { namespaceOptions: { pid: 'POD', usernsOptions: { mode: 'POD', uids: MAPS, gids: MAPS } } } },
    });
    const { containerId } = await d.client.call(CreateContainer, { podSandboxId, config, sandboxConfig: pod });
    await d.client.call(StartContainer, { containerId });

    assert.equal((await exec(containerId, ['cat', '/proc/self/uid_map'])).split(/\s+/).join(' '), `0 ${HOST_BASE} 65536`);
    assert.equal((await exec(containerId, ['cat', '/proc/self/gid_map'])).split(/\s+/).join(' '), `0 ${HOST_BASE} 65536`);
    assert.equal(await exec(containerId, ['id', '-u']), '0');
    assert.equal(await exec(containerId, ['cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start']), '80');
    // The image's files are root's inside (idmapped lower layers), not nobody's.
    assert.equal(await exec(containerId, ['stat', '-c', '%u:%g', '/bin/busybox']), '0:0');
    assert.equal(await exec(containerId, ['stat', '-c', '%u:%g', '/']), '0:0');
    // The volume: the node's root-owned file is the container root's; what the container
    // writes keeps the container's IDs on disk (idmapped, never chowned).
    assert.equal(await exec(containerId, ['stat', '-c', '%u:%g', '/vol/from-host']), '0:0');
    await exec(containerId, ['sh', '-c', 'echo made-inside > /vol/made && touch /vol/by1000 && chown 1000:1000 /vol/by1000 && touch /rootfs-file']);
    const made = await stat(join(vol, 'made'));
    assert.deepEqual([made.uid, made.gid], [0, 0]);
    const by1000 = await stat(join(vol, 'by1000'));
    assert.deepEqual([by1000.uid, by1000.gid], [1000, 1000]);

    // On the host the container's process runs with the pod range's IDs.
    const st = (await d.client.call(ContainerStatus, { containerId, verbose: true })).info;
    const pid = (JSON.parse(st.info ?? '{}') as { pid?: number }).pid;
    assert.ok(pid, 'container pid in verbose status');
    const procStatus = await readFile(`/proc/${pid}/status`, 'utf8');
    assert.deepEqual(hostIds(procStatus, 'Uid'), [HOST_BASE, HOST_BASE, HOST_BASE, HOST_BASE]);
    assert.deepEqual(hostIds(procStatus, 'Gid'), [HOST_BASE, HOST_BASE, HOST_BASE, HOST_BASE]);
    assert.notEqual(await readlink(`/proc/${pid}/ns/user`), await readlink('/proc/self/ns/user'), 'a user namespace of its own');

    await d.client.call(RemovePodSandbox, { podSandboxId });
    assert.deepEqual((await d.client.call(ListContainers, {})).containers, []);
    assert.deepEqual(await mountsContaining(podSandboxId), [], 'no namespace pin left');
    assert.deepEqual(await mountsContaining(containerId), [], 'no rootfs or idmapped volume left');
    assert.deepEqual(await mountsContaining(vol), [], 'no idmapped clone of the volume left');
    // Removal walked into nothing it should not have: the volume is whole.
    assert.equal(await readFile(join(vol, 'from-host'), 'utf8'), 'hello\n');
    assert.equal(await readFile(join(vol, 'made'), 'utf8'), 'made-inside\n');
  });

  it('refuses malformed or unsafe mappings with InvalidArgument naming the field, and creates nothing', async () => {
    const field = /userns_options/;
    const cases: [string, Record<string, unknown>, Record<string, unknown>?][] = [
      ['onto the node', { mode: 'POD', uids: [{ hostId: 0, containerId: 0, length: 65536 }], gids: MAPS }],
      ['overlapping', { mode: 'POD', uids: [MAPS[0]!, { hostId: HOST_BASE + 100, containerId: 70000, length: 10 }], gids: MAPS }],
      ['no gids', { mode: 'POD', uids: MAPS, gids: [] }],
      ['zero length', { mode: 'POD', uids: [{ hostId: HOST_BASE, containerId: 0, length: 0 }], gids: MAPS }],
      ['no root', { mode: 'POD', uids: [{ hostId: HOST_BASE, containerId: 1, length: 10 }], gids: MAPS }],
      ['mode CONTAINER', { mode: 'CONTAINER', uids: MAPS, gids: MAPS }],
      ['with host network', { mode: 'POD', uids: MAPS, gids: MAPS }, { network: 'NODE' }],
    ];
    for (const [what, userns, extra] of cases) {
      await rejectsWith(d.client.call(RunPodSandbox, { config: usernsPod(`bad-${what.replace(/ /g, '-')}`, userns, extra) }), Code.InvalidArgument, what === 'with host network' ? /network/ : field);
    }
    assert.deepEqual((await d.client.call(ListPodSandbox, {})).items, []);
    assert.deepEqual(await mountsContaining(join(d.state, 'ns', 'user')), []);
  });

  it('refuses a container whose userns_options differ from its pod', async () => {
    const pod = usernsPod(`userns-mismatch-${process.pid}`, { mode: 'POD', uids: MAPS, gids: MAPS });
    const { podSandboxId } = await d.client.call(RunPodSandbox, { config: pod });
    const other = [{ hostId: HOST_BASE + 65536, containerId: 0, length: 65536 }];
    const config = ContainerConfig.fromJSON({
      metadata: { name: 'm', attempt: 0 },
      image: { image: busybox },
      command: ['true'],
      linux: { securityContext: { namespaceOptions: { usernsOptions: { mode: 'POD', uids: other, gids: other } } } },
    });
    await rejectsWith(d.client.call(CreateContainer, { podSandboxId, config, sandboxConfig: pod }), Code.InvalidArgument, /userns_options/);
    assert.deepEqual((await d.client.call(ListContainers, {})).containers, []);
    await d.client.call(RemovePodSandbox, { podSandboxId });
  });
});
