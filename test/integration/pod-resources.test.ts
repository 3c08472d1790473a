// UpdatePodSandboxResources through a real berthd and runc (cgroupfs driver,
// this host's cgroup v1): the pod's cgroup parent gets overhead + resources,
// read back from the cgroup files; a refused update changes nothing; bad
// fields are named; UpdateContainerResources keeps working beside it and
// ContainerStatus reports the container's new limits.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerConfig } from '../../src/api/gen/api.js';
import {
  ContainerStatus,
  CreateContainer,
  PullImage,
  RemovePodSandbox,
  RunPodSandbox,
  StartContainer,
  UpdateContainerResources,
  UpdatePodSandboxResources,
} from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { startDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../support/images/build.js';
import { podConfig } from '../support/pod-net.js';
import { imageRef, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

const PARENT = `berth-podres-test-${process.pid}`;
const MiB = 1024n * 1024n;
let reg: RunningRegistry;
let busybox: string;
let d: TestDaemon;

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
  d = await startDaemon();
  await d.client.call(PullImage, { image: { image: busybox } });
});

after(async () => {
  await d?.cleanup();
  await reg?.stop();
  for (const h of await readdir('/sys/fs/cgroup')) await rmdir(join('/sys/fs/cgroup', h, PARENT)).catch(() => undefined);
});

const v1 = (controller: string, file: string, sub = ''): Promise<string> => readFile(join('/sys/fs/cgroup', controller, PARENT, sub, file), 'utf8').then((s) => s.trim());
const rejectsWith = (code: Code, re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof GrpcStatusError, String(e));
  assert.equal(e.grpcCode, code, e.details);
  assert.match(e.details, re);
  return true;
};

it('the pod cgroup gets overhead + resources; a refused update changes nothing; containers update beside it', async (t) => {
  const cgroupV2 = await readFile('/sys/fs/cgroup/cgroup.controllers').then(() => true, () => false);
  if (cgroupV2) return t.skip('this host runs cgroup v2: the v1 file checks do not apply (the unit tests cover the v2 files)');
  const hostNet = { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER' } } };
  const config = podConfig(`podres-${process.pid}`, { linux: { cgroupParent: `/${PARENT}`, ...hostNet } });
  const { podSandboxId: pod } = await d.client.call(RunPodSandbox, { config });
  // 24 MiB held by the container: a pod limit below it must be refused.
  const c = ContainerConfig.fromPartial({ metadata: { name: 'holder', attempt: 0 }, image: { image: busybox }, command: ['sh', '-c', 'x=$(head -c 25000000 /dev/zero | tr "\\0" a); touch /ready; sleep 3600'] });
  const { containerId } = await d.client.call(CreateContainer, { podSandboxId: pod, config: c, sandboxConfig: config });
  await d.client.call(StartContainer, { containerId });
  await waitFor(async () => BigInt(await v1('memory', 'memory.usage_in_bytes')) > 24n * MiB, 20_000, () => 'the container to hold its memory');

  await d.client.call(UpdatePodSandboxResources, {
    podSandboxId: pod,
    overhead: { cpuShares: 100n, cpuQuota: 10_000n, memoryLimitInBytes: 32n * MiB },
    resources: { cpuShares: 400n, cpuQuota: 40_000n, cpuPeriod: 100_000n, memoryLimitInBytes: 64n * MiB },
  });
  assert.equal(await v1('cpu', 'cpu.shares'), '500');
  assert.equal(await v1('cpu', 'cpu.cfs_quota_us'), '50000');
  assert.equal(await v1('cpu', 'cpu.cfs_period_us'), '100000');
  assert.equal(await v1('memory', 'memory.limit_in_bytes'), String(96n * MiB));

  // Below what the pod uses: the kernel refuses; the shares written before it are put back.
  await assert.rejects(
    d.client.call(UpdatePodSandboxResources, { podSandboxId: pod, resources: { cpuShares: 2000n, memoryLimitInBytes: 8n * MiB } }),
    rejectsWith(Code.FailedPrecondition, /memory\.limit_in_bytes/),
  );
  assert.equal(await v1('cpu', 'cpu.shares'), '500', 'no partial update');
  assert.equal(await v1('memory', 'memory.limit_in_bytes'), String(96n * MiB));

  await assert.rejects(d.client.call(UpdatePodSandboxResources, { podSandboxId: pod, resources: { cpuQuota: -1n } }), rejectsWith(Code.InvalidArgument, /resources\.cpu_quota must not be negative/));
  await assert.rejects(d.client.call(UpdatePodSandboxResources, { podSandboxId: pod }), rejectsWith(Code.InvalidArgument, /overhead and resources are both unset/));
  await assert.rejects(d.client.call(UpdatePodSandboxResources, { podSandboxId: 'f00d', resources: { cpuShares: 2n } }), rejectsWith(Code.NotFound, /pod sandbox "f00d" not found/));
  const { podSandboxId: shared } = await d.client.call(RunPodSandbox, { config: podConfig(`podres-shared-${process.pid}`, { linux: hostNet }) });
  await assert.rejects(d.client.call(UpdatePodSandboxResources, { podSandboxId: shared, resources: { cpuShares: 2n } }), rejectsWith(Code.FailedPrecondition, /has no cgroup of its own/));
  await d.client.call(RemovePodSandbox, { podSandboxId: shared });

  // The container's own limits move independently; ContainerStatus reports them.
  await d.client.call(UpdateContainerResources, { containerId, linux: { cpuShares: 256n, cpuQuota: 20_000n, cpuPeriod: 100_000n, memoryLimitInBytes: 48n * MiB } });
  assert.equal(await v1('memory', 'memory.limit_in_bytes', `berth-${containerId}`), String(48n * MiB));
  assert.equal(await v1('cpu', 'cpu.shares', `berth-${containerId}`), '256');
  const res = (await d.client.call(ContainerStatus, { containerId })).status?.resources?.linux;
  assert.equal(res?.memoryLimitInBytes, 48n * MiB);
  assert.equal(res?.cpuQuota, 20_000n);
  assert.equal(res?.cpuShares, 256n);
  assert.equal(await v1('memory', 'memory.limit_in_bytes'), String(96n * MiB), 'the pod limit stays');
  await d.client.call(RemovePodSandbox, { podSandboxId: pod });
});
