// The cgroupsPath of a container's config.json for each cgroup driver. Pure.
import { posix } from 'node:path';
import { invalidArgument } from '../util/errors.js';

export type CgroupDriverName = 'cgroupfs' | 'systemd';

/** Where a pod without cgroup_parent (crictl, tests) puts its containers. */
const DEFAULT_CGROUPFS_PARENT = '/berth';
const DEFAULT_SYSTEMD_SLICE = 'system.slice';

/**
 * cgroupfs: `<cgroup_parent>/berth-<id>`, a path under each hierarchy.
 * systemd: `<slice>:berth:<id>`, runc's "slice:prefix:name" form, where the
 * slice is the last element of cgroup_parent (the kubelet's systemd driver
 * sends e.g. kubepods-besteffort-pod<uid>.slice, or a path of slices).
 */
export function containerCgroupsPath(driver: CgroupDriverName, cgroupParent: string, id: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw invalidArgument('runtime', `container id "${id}" cannot name a cgroup`);
  if (driver === 'systemd') {
    const slice = cgroupParent === '' ? DEFAULT_SYSTEMD_SLICE : posix.basename(cgroupParent);
    if (!slice.endsWith('.slice') || slice.includes(':')) {
      throw invalidArgument('cri', `sandbox_config.linux.cgroup_parent: "${cgroupParent}" is not a systemd slice (the systemd cgroup driver is configured)`);
    }
    return `${slice}:berth:${id}`;
  }
  // Normalising an absolute path also stops ".." at the root.
  const parent = cgroupParent === '' ? DEFAULT_CGROUPFS_PARENT : posix.normalize(`/${cgroupParent}`);
  return posix.join(parent, `berth-${id}`);
}
