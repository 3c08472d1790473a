// Facts about this host that shape every container spec, read once at
// start-up: capabilities berthd holds, whether it may lower oom_score_adj,
// cgroup version and controllers, LSMs, kernel.
import { access, readFile } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import type { CgroupHostFacts } from '../cgroups/detect.js';
import { pathExists } from '../util/fs-exists.js';
import { goArch, parseKernelVersion } from './seccomp-profile.js';
import { capabilitiesFromMask, type HostFacts } from './spec.js';

const CAP_SYS_RESOURCE = 'CAP_SYS_RESOURCE';

/** `rroSupported`: the default handler's probe (runtime-features.ts); specs override it per handler. */
export async function readHostFacts(rroSupported: boolean, cgroups: CgroupHostFacts): Promise<HostFacts> {
  const status = await readFile('/proc/self/status', 'utf8');
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  const capabilities = capabilitiesFromMask(capEff);
  const oom = Number((await readFile('/proc/self/oom_score_adj', 'utf8').catch(() => '0')).trim());
  const cgroupV2 = cgroups.version === 2;
  return {
    canLowerOomScoreAdj: capabilities.includes(CAP_SYS_RESOURCE),
    currentOomScoreAdj: Number.isFinite(oom) ? oom : 0,
    cgroupV2,
    hostHasApparmor: (await readFile('/sys/module/apparmor/parameters/enabled', 'utf8').catch(() => 'N')).trim() === 'Y',
    hostHasSelinux: await pathExists('/sys/fs/selinux/enforce'),
    arch: goArch(process.arch),
    kernel: parseKernelVersion(release()),
    hostname: hostname(),
    capabilities,
    rroSupported,
    swapController: cgroups.swapController,
    hugetlbController: cgroups.hugetlbController,
  };
}
