// Guest only (cgroup v2, systemd as PID 1; scripts/vm/run.sh). For each
// cgroup driver, the kubelet's path through one pod and one container:
// placement under the kubelet-style parent (read from /proc/PID/cgroup;
// under systemd a transient scope that `systemctl status` shows), the v2
// limit files, stats against the files read directly,
// UpdateContainerResources read back from the files, and after removal no
// cgroup directory, scope or other trace of the pod left. Part of the smoke
// subset (CI).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { cpus } from 'node:os';
import {
  ContainerStats,
  ContainerStatus,
  ListContainerStats,
  PodSandboxStats,
  RemoveContainer,
  RemovePodSandbox,
  StopContainer,
  StopPodSandbox,
  UpdateContainerResources,
} from '../../src/api/methods.js';
import { ContainerState, type PodSandboxConfig } from '../../src/api/gen/api.js';
import { assertClean, createAndStart, ctrConfig, runPod } from '../support/reliability.js';
import {
  CGROUP_TEST_SECURITY,
  DRIVERS,
  cgroupFile,
  cgroupOf,
  cgroupsContaining,
  expectedContainerCgroup,
  flatKeyed,
  initPid,
  kubePodConfig,
  kubeletCgroupParent,
  parentCgroupPath,
  podUid,
  removeKubeletParent,
  sharesToWeight,
  startV2Stack,
  stopV2Stack,
  systemctl,
  unitsContaining,
  type V2Stack,
  stopSharedRegistry,
} from '../support/v2-guest.js';

const MiB = 1024 * 1024;
/** Readings of memory.current move by the kernel's per-CPU charge batches between two reads. */
const MEMORY_SLACK = 512n * 1024n;

/** The container's working set as cAdvisor computes it: memory.current − inactive_file. */
async function workingSet(cgroup: string): Promise<bigint> {
  const current = BigInt(await cgroupFile(cgroup, 'memory.current'));
  const inactive = flatKeyed(await cgroupFile(cgroup, 'memory.stat')).get('inactive_file') ?? 0n;
  return current > inactive ? current - inactive : 0n;
}

async function cpuUsageNs(cgroup: string): Promise<bigint> {
  return (flatKeyed(await cgroupFile(cgroup, 'cpu.stat')).get('usage_usec') ?? 0n) * 1000n;
}

function between(name: string, value: bigint | undefined, a: bigint, b: bigint, slack = 0n): void {
  assert.ok(value !== undefined, `${name} reported`);
  const lo = (a < b ? a : b) - slack;
  const hi = (a < b ? b : a) + slack;
  assert.ok(value >= lo && value <= hi, `${name} ${value} not within the files' ${lo}..${hi}`);
}


after(stopSharedRegistry);
for (const driver of DRIVERS) {
  describe(`${driver} driver on cgroup v2`, () => {
    let s: V2Stack;
    const uid = podUid();
    let pod: PodSandboxConfig;
    let podId = '';
    let id = '';
    let cgroup = '';

    before(async () => {
      s = await startV2Stack(driver);
    });
    after(async () => {
      await stopV2Stack(s);
      await removeKubeletParent(driver, uid);
    });

    it(`runs a pod under the kubelet's parent ${kubeletCgroupParent(driver, 'UID')}; the container's process is in its own cgroup there, limits in the v2 files`, async () => {
      pod = kubePodConfig(s, `life-${driver}`, uid);
      podId = await runPod(s.n, pod);
      const config = ctrConfig(s.reg.busybox, 'app', ['sleep', '100000'], {
        linux: {
          resources: { cpuPeriod: 100000, cpuQuota: 50000, cpuShares: 512, memoryLimitInBytes: 64 * MiB, cpusetCpus: '0', unified: { 'pids.max': '100' } },
          securityContext: CGROUP_TEST_SECURITY,
        },
      });
      id = await createAndStart(s.n, podId, pod, config);
      const pid = await initPid(s, id);
      cgroup = await cgroupOf(pid);
      assert.match(cgroup, expectedContainerCgroup(driver, uid, id), `/proc/${pid}/cgroup`);

      if (driver === 'systemd') {
        const scope = basename(cgroup);
        const st = await systemctl('status', scope);
        assert.equal(st.code, 0, `systemctl status ${scope}: ${st.out}`);
        assert.match(st.out, /Active: active \(running\)/);
        assert.match(st.out, new RegExp(`\\b${pid}\\b`), 'the container process is in the scope');
        const slice = await systemctl('show', '-p', 'ActiveState', kubeletCgroupParent(driver, uid));
        assert.match(slice.out, /ActiveState=active/, 'the pod slice is a systemd unit');
      }

      assert.equal(await cgroupFile(cgroup, 'memory.max'), String(64 * MiB));
      assert.equal(await cgroupFile(cgroup, 'cpu.max'), '50000 100000');
      assert.equal(await cgroupFile(cgroup, 'cpu.weight'), String(sharesToWeight(512)));
      assert.equal(await cgroupFile(cgroup, 'cpuset.cpus'), '0');
      assert.equal(await cgroupFile(cgroup, 'pids.max'), '100');
    });

    it('ContainerStats, ListContainerStats and PodSandboxStats match the v2 files read directly', async () => {
      assert.ok(id, 'the container of the previous test runs');
      const podCgroup = parentCgroupPath(driver, uid);
      const [ws1, cpu1, pids1, podWs1] = [await workingSet(cgroup), await cpuUsageNs(cgroup), BigInt(await cgroupFile(cgroup, 'pids.current')), await workingSet(podCgroup)];
      const podPids1 = BigInt(await cgroupFile(podCgroup, 'pids.current'));
      const one = (await s.n.d.client.call(ContainerStats, { containerId: id })).stats;
      const list = (await s.n.d.client.call(ListContainerStats, {})).stats.find((x) => x.attributes?.id === id);
      const podStats = (await s.n.d.client.call(PodSandboxStats, { podSandboxId: podId })).stats;
      const [ws2, cpu2, pids2, podWs2] = [await workingSet(cgroup), await cpuUsageNs(cgroup), BigInt(await cgroupFile(cgroup, 'pids.current')), await workingSet(podCgroup)];
      const podPids2 = BigInt(await cgroupFile(podCgroup, 'pids.current'));

      assert.equal(pids1, 1n, 'one process (sleep) in the container cgroup');
      assert.equal(pids2, 1n);
      for (const [name, st] of [['ContainerStats', one], ['ListContainerStats', list]] as const) {
        assert.ok(st, `${name} has the container`);
        between(`${name} memory working set`, st.memory?.workingSetBytes?.value, ws1, ws2, MEMORY_SLACK);
        between(`${name} cpu usage`, st.cpu?.usageCoreNanoSeconds?.value, cpu1, cpu2);
        assert.ok((st.memory?.usageBytes?.value ?? 0n) > 0n, `${name} memory usage`);
      }
      const linux = podStats?.linux;
      assert.ok(linux, 'PodSandboxStats has linux stats');
      between('pod memory working set', linux.memory?.workingSetBytes?.value, podWs1, podWs2, MEMORY_SLACK);
      between('pod process count', linux.process?.processCount?.value, podPids1, podPids2);
      assert.ok(linux.containers.some((c) => c.attributes?.id === id), 'the pod stats list the container');
    });

    it('UpdateContainerResources writes cpu.max, cpu.weight, cpuset.cpus, memory.max and pids.max, and they read back', async () => {
      assert.ok(id, 'the container of the previous test runs');
      const cpuset = cpus().length > 1 ? '1' : '0';
      await s.n.d.client.call(UpdateContainerResources, {
        containerId: id,
        linux: { cpuPeriod: 100000n, cpuQuota: 20000n, cpuShares: 1024n, memoryLimitInBytes: BigInt(128 * MiB), cpusetCpus: cpuset, cpusetMems: '', oomScoreAdj: 0n, hugepageLimits: [], unified: { 'pids.max': '50' }, memorySwapLimitInBytes: 0n },
        annotations: {},
      });
      assert.equal(await cgroupFile(cgroup, 'cpu.max'), '20000 100000');
      assert.equal(await cgroupFile(cgroup, 'cpu.weight'), String(sharesToWeight(1024)));
      assert.equal(await cgroupFile(cgroup, 'cpuset.cpus'), cpuset);
      assert.equal(await cgroupFile(cgroup, 'memory.max'), String(128 * MiB));
      assert.equal(await cgroupFile(cgroup, 'pids.max'), '50');
      const res = (await s.n.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status?.resources?.linux;
      assert.equal(res?.memoryLimitInBytes, BigInt(128 * MiB), 'ContainerStatus reports the new memory limit');
      assert.equal(res?.cpuQuota, 20000n, 'and the new quota');
    });

    it('stop and remove leave no cgroup directory, scope or other trace behind', async () => {
      assert.ok(id, 'the container of the previous test runs');
      const pid = await initPid(s, id);
      await s.n.d.client.call(StopContainer, { containerId: id, timeout: 5n });
      const st = (await s.n.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status;
      assert.equal(st?.state, ContainerState.CONTAINER_EXITED);
      await s.n.d.client.call(RemoveContainer, { containerId: id });
      await s.n.d.client.call(StopPodSandbox, { podSandboxId: podId });
      await s.n.d.client.call(RemovePodSandbox, { podSandboxId: podId });
      await assert.rejects(cgroupOf(pid), 'the process is gone');
      await assertClean(s.n, [id, podId]);
      assert.deepEqual(await cgroupsContaining([id, podId]), [], 'no cgroup of the container or pod');
      assert.deepEqual(await unitsContaining([id, podId]), [], 'no systemd unit of the container or pod');
      // The pod parent belongs to the kubelet (it makes and removes it); nothing of Berth's may stay inside.
      const children = await cgroupsContaining(['']).then((all) => all.filter((c) => c.startsWith(`${parentCgroupPath(driver, uid)}/`)));
      assert.deepEqual(children, [], 'nothing left in the pod parent');
    });
  });
}
