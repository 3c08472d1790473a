// Guest only (cgroup v2, systemd as PID 1; scripts/vm/run.sh). Containers
// survive `systemctl restart` of berthd, for each cgroup driver, and are then
// stopped and removed cleanly. berthd runs here as a real systemd unit made
// from the packaged unit file (packaging/berthd.service: KillMode=process,
// Delegate=yes …) with only ExecStart pointed at the built berthd and private
// directories, so what systemd kills on a restart is what it kills on a node.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ContainerStatus,
  ExecSync,
  ListPodSandbox,
  PullImage,
  RemoveContainer,
  RemovePodSandbox,
  RunPodSandbox,
  CreateContainer,
  StartContainer,
  StopContainer,
  StopPodSandbox,
  UpdateContainerResources,
  Version,
} from '../../src/api/methods.js';
import { ContainerState, type PodSandboxConfig } from '../../src/api/gen/api.js';
import { CriClient } from '../../src/client/cri-client.js';
import { BERTHD, REPO, makeTestDir, shebangFlags, unmountUnder, waitFor } from '../support/daemon.js';
import { makeTestNetwork, podConfig, sh, type TestNetwork } from '../support/pod-net.js';
import { ctrConfig, startTestRegistry, type Registry } from '../support/reliability.js';
import {
  CGROUP_TEST_SECURITY,
  DRIVERS,
  assertV2Guest,
  cgroupFile,
  cgroupOf,
  cgroupsContaining,
  expectedContainerCgroup,
  kubeletCgroupParent,
  podUid,
  removeKubeletParent,
  systemctl,
  unitsContaining,
  type Driver,
} from '../support/v2-guest.js';

const MiB = 1024 * 1024;

interface UnitDaemon {
  unit: string;
  dir: string;
  state: string;
  socket: string;
  net: TestNetwork;
  client: CriClient;
}

/** The packaged unit with ExecStart replaced; written to /run/systemd/system (gone with the guest). */
async function unitText(execStart: string): Promise<string> {
  const packaged = await readFile(join(REPO, 'packaging/berthd.service'), 'utf8');
  assert.match(packaged, /^ExecStart=/m);
  return packaged.replace(/^ExecStart=.*$/m, `ExecStart=${execStart}`);
}

async function journal(unit: string): Promise<string> {
  return (await sh('journalctl', ['--no-pager', '-u', unit, '-n', '40']).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }))).stdout;
}

async function mainPid(unit: string): Promise<number> {
  return Number((await systemctl('show', '-p', 'MainPID', '--value', unit)).out.trim());
}

/** Waits until berthd answers Version on a fresh connection (the old one dies with the old process). */
async function connect(u: UnitDaemon): Promise<CriClient> {
  let client: CriClient | undefined;
  await waitFor(
    async () => {
      client?.close();
      client = new CriClient(`unix://${u.socket}`, 30_000);
      await client.call(Version, {});
      return true;
    },
    60_000,
    () => `berthd unit ${u.unit} does not answer`,
  );
  return client!;
}

async function startUnitDaemon(driver: Driver): Promise<UnitDaemon> {
  const dir = await makeTestDir('berth-v2-unit-');
  const net = await makeTestNetwork(dir);
  const [root, state, socket, config] = [join(dir, 'root'), join(dir, 'state'), join(dir, 'berth.sock'), join(dir, 'berth.toml')];
  await writeFile(config, `[network]\nconf_dir = "${net.confDir}"\ninstall_default_config = false\n${net.toml}\n[runtime]\ncgroup_manager = "${driver}"\n`);
  const unit = `berthd-v2-${driver}-${process.pid}.service`;
  const exec = [process.execPath, ...shebangFlags(), BERTHD, '--config', config, '--root', root, '--state', state, '--listen', `unix://${socket}`, '--log-level', 'debug'].join(' ');
  await writeFile(`/run/systemd/system/${unit}`, await unitText(exec));
  await sh('systemctl', ['daemon-reload']);
  await sh('systemctl', ['start', unit]);
  const u: UnitDaemon = { unit, dir, state, socket, net, client: undefined as unknown as CriClient };
  u.client = await connect(u);
  return u;
}

async function stopUnitDaemon(u: UnitDaemon | undefined): Promise<void> {
  if (!u) return;
  const pods = await u.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
  for (const p of pods.items) await u.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
  u.client.close();
  await systemctl('stop', u.unit);
  await rm(`/run/systemd/system/${u.unit}`, { force: true });
  await sh('systemctl', ['daemon-reload']);
  await unmountUnder(u.dir);
  await rm(u.dir, { recursive: true, force: true });
  await u.net.cleanup();
}

for (const driver of DRIVERS) {
  describe(`${driver} driver on cgroup v2: systemctl restart berthd`, () => {
    let reg: Registry;
    let u: UnitDaemon;
    const uid = podUid();

    before(async () => {
      await assertV2Guest();
      reg = await startTestRegistry();
      u = await startUnitDaemon(driver);
      await u.client.call(PullImage, { image: { image: reg.busybox } });
    });
    after(async () => {
      await stopUnitDaemon(u);
      await reg?.reg.stop();
      await removeKubeletParent(driver, uid);
    });

    it('the container keeps running in its cgroup across the restart; exec, update, stop and remove work afterwards and leave nothing', async () => {
      const name = `restart-${driver}`;
      const pod: PodSandboxConfig = podConfig(name, {
        metadata: { name, namespace: 'berth-v2', uid, attempt: 0 },
        logDirectory: join(u.dir, 'logs', name),
        linux: { cgroupParent: kubeletCgroupParent(driver, uid) },
      });
      const podId = (await u.client.call(RunPodSandbox, { config: pod })).podSandboxId;
      const config = ctrConfig(reg.busybox, 'app', ['sleep', '100000'], { linux: { resources: { memoryLimitInBytes: 64 * MiB }, securityContext: CGROUP_TEST_SECURITY } });
      const id = (await u.client.call(CreateContainer, { podSandboxId: podId, config, sandboxConfig: pod })).containerId;
      await u.client.call(StartContainer, { containerId: id });
      const info = (await u.client.call(ContainerStatus, { containerId: id, verbose: true })).info['info'] ?? '{}';
      const pid = (JSON.parse(info) as { pid: number }).pid;
      const cgroup = await cgroupOf(pid);
      assert.match(cgroup, expectedContainerCgroup(driver, uid, id));

      const before = await mainPid(u.unit);
      // Our connection closed first: berthd's SIGTERM waits for open connections to end.
      u.client.close();
      await sh('systemctl', ['restart', u.unit]);
      u.client = await connect(u);
      const afterPid = await mainPid(u.unit);
      if (!(afterPid > 0 && afterPid !== before)) assert.fail(`no new berthd (${before} → ${afterPid}): ${await journal(u.unit)}`);

      const st = (await u.client.call(ContainerStatus, { containerId: id, verbose: false })).status;
      assert.equal(st?.state, ContainerState.CONTAINER_RUNNING, 'the restarted berthd sees the container running');
      assert.equal(await cgroupOf(pid), cgroup, 'the same process, in the same cgroup');
      const ex = await u.client.call(ExecSync, { containerId: id, cmd: ['echo', 'alive'], timeout: 30n });
      assert.equal(Buffer.from(ex.stdout).toString(), 'alive\n');
      await u.client.call(UpdateContainerResources, { containerId: id, linux: { memoryLimitInBytes: BigInt(96 * MiB) } });
      assert.equal(await cgroupFile(cgroup, 'memory.max'), String(96 * MiB), 'update after the restart reaches the cgroup');

      await u.client.call(StopContainer, { containerId: id, timeout: 5n });
      await u.client.call(RemoveContainer, { containerId: id });
      await u.client.call(StopPodSandbox, { podSandboxId: podId });
      await u.client.call(RemovePodSandbox, { podSandboxId: podId });
      await assert.rejects(cgroupOf(pid), 'the process is gone');
      let left: string[] = [];
      await waitFor(
        async () => (left = [...(await cgroupsContaining([id, podId])), ...(await unitsContaining([id, podId]))]).length === 0,
        10_000,
        () => `left behind: ${left.join(', ')}`,
      );
      const procs = (await sh('ps', ['-eo', 'pid=,args='])).stdout.split('\n').filter((l) => l.includes(u.state) && !l.trim().startsWith(`${afterPid} `));
      assert.deepEqual(procs, [], 'no conmon or runc of this berthd is left');
    });
  });
}
