// Guest only (cgroup v2; scripts/vm/run.sh). crun runs a pod on v2 (on the
// host's hybrid v1/v2 hierarchy it refuses): for each driver, a container on
// the crun handler is crun's (crun's own state says running), sits in the
// expected cgroup with its limit, execs, and leaves nothing after removal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ContainerStatus, CreateContainer, ExecSync, RemoveContainer, RemovePodSandbox, RunPodSandbox, StartContainer, StopContainer, StopPodSandbox } from '../../src/api/methods.js';
import { sh } from '../support/pod-net.js';
import { assertClean, ctrConfig } from '../support/reliability.js';
import {
  CGROUP_TEST_SECURITY,
  DRIVERS,
  cgroupFile,
  cgroupOf,
  cgroupsContaining,
  expectedContainerCgroup,
  initPid,
  kubePodConfig,
  podUid,
  removeKubeletParent,
  startV2Stack,
  stopV2Stack,
  unitsContaining,
  type V2Stack,
  stopSharedRegistry,
} from '../support/v2-guest.js';

const MiB = 1024 * 1024;


after(stopSharedRegistry);
for (const driver of DRIVERS) {
  describe(`${driver} driver on cgroup v2: crun`, () => {
    let s: V2Stack;
    const uid = podUid();

    before(async () => {
      s = await startV2Stack(driver);
    });
    after(async () => {
      await stopV2Stack(s);
      await removeKubeletParent(driver, uid);
    });

    it('a pod on the crun handler runs its container in the expected cgroup with its memory limit', async () => {
      const pod = kubePodConfig(s, `crun-${driver}`, uid);
      const podId = (await s.n.d.client.call(RunPodSandbox, { config: pod, runtimeHandler: 'crun' })).podSandboxId;
      const config = ctrConfig(s.reg.busybox, 'app', ['sleep', '100000'], { linux: { resources: { memoryLimitInBytes: 48 * MiB }, securityContext: CGROUP_TEST_SECURITY } });
      const id = (await s.n.d.client.call(CreateContainer, { podSandboxId: podId, config, sandboxConfig: pod })).containerId;
      await s.n.d.client.call(StartContainer, { containerId: id });

      const info = JSON.parse((await s.n.d.client.call(ContainerStatus, { containerId: id, verbose: true })).info['info'] ?? '{}') as { runtimeHandler?: string };
      assert.equal(info.runtimeHandler, 'crun');
      const crunState = JSON.parse((await sh('crun', ['--root', join(s.n.d.state, 'crun'), 'state', id])).stdout) as { status: string };
      assert.equal(crunState.status, 'running', 'crun itself runs the container');
      const pid = await initPid(s, id);
      const cgroup = await cgroupOf(pid);
      assert.match(cgroup, expectedContainerCgroup(driver, uid, id, { crunSubgroup: true }));
      // The limit holds where the kernel enforces it: on the process's cgroup or the scope above it.
      const scope = cgroup.replace(/\/container$/, '');
      const limits = [await cgroupFile(cgroup, 'memory.max'), await cgroupFile(scope, 'memory.max')];
      assert.ok(limits.includes(String(48 * MiB)), `memory.max of ${cgroup} / its scope: ${limits.join(' / ')}`);
      const ex = await s.n.d.client.call(ExecSync, { containerId: id, cmd: ['cat', '/proc/self/cgroup'], timeout: 30n });
      assert.equal(ex.exitCode, 0);

      await s.n.d.client.call(StopContainer, { containerId: id, timeout: 5n });
      await s.n.d.client.call(RemoveContainer, { containerId: id });
      await s.n.d.client.call(StopPodSandbox, { podSandboxId: podId });
      await s.n.d.client.call(RemovePodSandbox, { podSandboxId: podId });
      await assertClean(s.n, [id, podId]);
      assert.deepEqual(await cgroupsContaining([id, podId]), []);
      assert.deepEqual(await unitsContaining([id, podId]), []);
    });
  });
}
