// Reads the host's cgroup facts once at start-up: hierarchy version (the
// filesystem type of the mount root), whether systemd is PID 1, and which
// optional controllers exist.
import { readFile, statfs } from 'node:fs/promises';
import { pathExists } from '../util/fs-exists.js';
import type { CgroupHost, CgroupVersion } from './driver.js';
import { DEFAULT_CGROUP_ROOT } from './reader.js';

/** statfs f_type of cgroup2fs (CGROUP2_SUPER_MAGIC). */
const CGROUP2_SUPER_MAGIC = 0x63677270;

export interface CgroupHostFacts extends CgroupHost {
  /** memory.memsw.* (v1) or memory.swap.max (v2) can be set. */
  swapController: boolean;
  hugetlbController: boolean;
}

export async function detectVersion(root = DEFAULT_CGROUP_ROOT): Promise<CgroupVersion> {
  const st = await statfs(root).catch(() => undefined);
  return st?.type === CGROUP2_SUPER_MAGIC ? 2 : 1;
}

/** systemd's own test (sd_booted): it creates /run/systemd/system early at boot. */
export async function systemdIsInit(): Promise<boolean> {
  if (!(await pathExists('/run/systemd/system'))) return false;
  return (await readFile('/proc/1/comm', 'utf8').catch(() => '')).trim() === 'systemd';
}

export async function detectCgroupHost(root = DEFAULT_CGROUP_ROOT): Promise<CgroupHostFacts> {
  const version = await detectVersion(root);
  const systemdInit = await systemdIsInit();
  if (version === 2) {
    const controllers = (await readFile(`${root}/cgroup.controllers`, 'utf8').catch(() => '')).split(/\s+/);
    return { version, systemdInit, swapController: true, hugetlbController: controllers.includes('hugetlb') };
  }
  return {
    version,
    systemdInit,
    swapController: await pathExists(`${root}/memory/memory.memsw.limit_in_bytes`),
    hugetlbController: await pathExists(`${root}/hugetlb`),
  };
}
