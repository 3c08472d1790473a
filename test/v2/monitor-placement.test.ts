// Guest only (cgroup v2, systemd as PID 1; scripts/vm/run.sh). Where a
// container's conmon lives, per driver: never in the pod's cgroup (its
// memory is the node's, not the pod's — CRI-O's conmon_cgroup); under
// systemd in a scope of its own, berth-conmon-<id>.scope in system.slice,
// which ends with conmon. Also the v2 files a request becomes, as
// src/cgroups/resources.ts states them (shares → weight as runc converts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RemoveContainer, RemovePodSandbox, StopPodSandbox } from '../../src/api/methods.js';
import { v2Files } from '../../src/cgroups/resources.js';
import { assertClean, createAndStart, ctrConfig, runPod } from '../support/reliability.js';
import {
  CGROUP_TEST_SECURITY,
  DRIVERS,
  cgroupFile,
  cgroupOf,
  initPid,
  kubePodConfig,
  parentCgroupPath,
  podUid,
  removeKubeletParent,
  startV2Stack,
  stopSharedRegistry,
  stopV2Stack,
  systemctl,
  unitsContaining,
  type V2Stack,
} from '../support/v2-guest.js';

const MiB = 1024 * 1024;

after(stopSharedRegistry);

for (const driver of DRIVERS) {
  describe(`${driver} driver on cgroup v2: conmon's cgroup`, () => {
    let s: V2Stack;
    const uid = podUid();
    before(async () => {
      s = await startV2Stack(driver);
    });
    after(async () => {
      await stopV2Stack(s);
      await removeKubeletParent(driver, uid);
    });

    it('conmon is outside the pod cgroup (systemd: its own scope in system.slice); the limits are the files src/cgroups names', async () => {
      const pod = kubePodConfig(s, `mon-${driver}`, uid);
      const podId = await runPod(s.n, pod);
      const resources = { cpuShares: 256, cpuQuota: 30000, cpuPeriod: 100000, memoryLimitInBytes: 48 * MiB };
      const id = await createAndStart(s.n, podId, pod, ctrConfig(s.reg.busybox, 'app', ['sleep', '100000'], { linux: { resources, securityContext: CGROUP_TEST_SECURITY } }));
      const conmonPid = Number((await readFile(join(s.n.d.state, 'containers', id, 'conmon-pidfile'), 'utf8')).trim());
      assert.ok(conmonPid > 0, 'conmon pid file');
      const monitor = await cgroupOf(conmonPid);
      assert.ok(!monitor.startsWith(`${parentCgroupPath(driver, uid)}/`) && monitor !== parentCgroupPath(driver, uid), `conmon is not billed to the pod: ${monitor}`);
      if (driver === 'systemd') {
        assert.equal(monitor, `/system.slice/berth-conmon-${id}.scope`);
        const st = await systemctl('show', '-p', 'ActiveState', '-p', 'Slice', `berth-conmon-${id}.scope`);
        assert.match(st.out, /ActiveState=active/);
        assert.match(st.out, /Slice=system\.slice/);
      }

      const cgroup = await cgroupOf(await initPid(s, id));
      const want = v2Files({ cpu: { shares: 256, quota: 30000, period: 100000 }, memory: { limit: 48 * MiB } });
      for (const [file, value] of Object.entries(want)) assert.equal(await cgroupFile(cgroup, file), value, file);

      await s.n.d.client.call(RemoveContainer, { containerId: id });
      await s.n.d.client.call(StopPodSandbox, { podSandboxId: podId });
      await s.n.d.client.call(RemovePodSandbox, { podSandboxId: podId });
      await assertClean(s.n, [id, podId]);
      assert.deepEqual(await unitsContaining([id, podId]), [], 'no scope of the container, its conmon or the pod is left');
    });
  });
}
