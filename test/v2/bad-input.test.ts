// Guest only (cgroup v2; scripts/vm/run.sh). Bad input on v2 gets a precise
// InvalidArgument naming the field, and leaves nothing behind: the systemd
// driver given a cgroupfs path as cgroup_parent (not a slice), and a
// v1-only resource (kernel memory) asked of a v2 host, on either driver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateContainer, ListContainers, ListPodSandbox, RunPodSandbox } from '../../src/api/methods.js';
import { Code } from '../../src/util/errors.js';
import { waitFor } from '../support/daemon.js';
import { assertClean, assertGrpcError, ctrConfig, runPod } from '../support/reliability.js';
import {
  CGROUP_TEST_SECURITY,
  DRIVERS,
  berthCgroups,
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


after(stopSharedRegistry);
describe('systemd driver: a cgroup_parent that is not a slice', () => {
  let s: V2Stack;
  before(async () => {
    s = await startV2Stack('systemd');
  });
  after(async () => stopV2Stack(s));

  for (const parent of ['/kubepods/besteffort/pod1234', 'kubepods-besteffort-pod1234', 'kubepods/pod1234.slice']) {
    it(`RunPodSandbox with cgroup_parent "${parent}" is InvalidArgument naming linux.cgroup_parent; no pod is left`, async () => {
      const uid = podUid();
      const pod = kubePodConfig(s, 'badparent', uid, { linux: { cgroupParent: parent } });
      const err = await s.n.d.client.call(RunPodSandbox, { config: pod }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertGrpcError(err, Code.InvalidArgument, /linux\.cgroup_parent/);
      assert.match((err as Error).message, new RegExp(parent.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), 'the message shows the value');
      assert.deepEqual((await s.n.d.client.call(ListPodSandbox, {})).items, []);
      await assertClean(s.n);
      assert.deepEqual(await cgroupsContaining(['pod1234']), []);
      assert.deepEqual(await unitsContaining(['pod1234']), []);
    });
  }
});

for (const driver of DRIVERS) {
  describe(`${driver} driver: a v1-only resource on v2`, () => {
    let s: V2Stack;
    const uid = podUid();
    before(async () => {
      s = await startV2Stack(driver);
    });
    after(async () => {
      await stopV2Stack(s);
      await removeKubeletParent(driver, uid);
    });

    it('kernel memory (memory.kmem.limit_in_bytes in unified) is InvalidArgument naming the field; no container is left', async () => {
      const pod = kubePodConfig(s, `kmem-${driver}`, uid);
      const podId = await runPod(s.n, pod);
      const before = await berthCgroups();
      const config = ctrConfig(s.reg.busybox, 'kmem', ['sleep', '100'], {
        linux: { resources: { unified: { 'memory.kmem.limit_in_bytes': '1048576' } }, securityContext: CGROUP_TEST_SECURITY },
      });
      const err = await s.n.d.client.call(CreateContainer, { podSandboxId: podId, config, sandboxConfig: pod }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertGrpcError(err, Code.InvalidArgument, /unified.*memory\.kmem\.limit_in_bytes/);
      assert.deepEqual((await s.n.d.client.call(ListContainers, {})).containers, [], 'no container record');
      // Nothing new of Berth's beside what the pod already had (its infra's cgroups, and under
      // systemd that one's conmon scope); systemd removes an emptied scope asynchronously.
      let left: string[] = [];
      await waitFor(
        async () => (left = [...(await berthCgroups())].filter((c) => !before.has(c))).length === 0,
        10_000,
        () => `left behind: ${left.join(', ')}`,
      );
    });
  });
}
