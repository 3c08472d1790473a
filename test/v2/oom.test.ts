// Guest only (cgroup v2; scripts/vm/run.sh). For each cgroup driver: a
// container that grows past its memory limit is killed by the kernel's OOM
// killer inside its cgroup (memory.events oom_kill) and its status says
// OOMKilled with exit code 137; removing it leaves nothing. Smoke subset.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerStatus, RemoveContainer, RemovePodSandbox, StopPodSandbox } from '../../src/api/methods.js';
import { ContainerState } from '../../src/api/gen/api.js';
import { waitFor } from '../support/daemon.js';
import { assertClean, createAndStart, ctrConfig, runPod } from '../support/reliability.js';
import {
  CGROUP_TEST_SECURITY,
  DRIVERS,
  cgroupsContaining,
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
  describe(`${driver} driver on cgroup v2: out of memory`, () => {
    let s: V2Stack;
    const uid = podUid();

    before(async () => {
      s = await startV2Stack(driver);
    });
    after(async () => {
      await stopV2Stack(s);
      await removeKubeletParent(driver, uid);
    });

    it('a container past its 32 MiB limit is OOM-killed: exit 137, reason OOMKilled; nothing is left after removal', async () => {
      const pod = kubePodConfig(s, `oom-${driver}`, uid);
      const podId = await runPod(s.n, pod);
      // The shell keeps the whole 200 MB in a variable: only the OOM killer stops it.
      const grow = 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived';
      const id = await createAndStart(
        s.n,
        podId,
        pod,
        ctrConfig(s.reg.busybox, 'hog', ['sh', '-c', grow], { linux: { resources: { memoryLimitInBytes: 32 * MiB }, securityContext: CGROUP_TEST_SECURITY } }),
      );
      let status = (await s.n.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status;
      await waitFor(
        async () => {
          status = (await s.n.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status;
          return status?.state === ContainerState.CONTAINER_EXITED;
        },
        120_000,
        () => `container did not exit: ${JSON.stringify(status?.state)}`,
      );
      assert.equal(status?.reason, 'OOMKilled', `reason (message: ${status?.message})`);
      assert.equal(status?.exitCode, 137);

      await s.n.d.client.call(RemoveContainer, { containerId: id });
      await s.n.d.client.call(StopPodSandbox, { podSandboxId: podId });
      await s.n.d.client.call(RemovePodSandbox, { podSandboxId: podId });
      await assertClean(s.n, [id, podId]);
      assert.deepEqual(await cgroupsContaining([id, podId]), [], 'no cgroup of the container or pod');
      assert.deepEqual(await unitsContaining([id, podId]), [], 'no systemd unit of the container or pod');
    });
  });
}
