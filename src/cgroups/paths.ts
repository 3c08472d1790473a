// Where a pod's and a container's cgroups are, for each cgroup driver. Pure.
//
// cgroupfs: plain paths under every hierarchy: the pod's parent (the kubelet
// sends e.g. /kubepods/besteffort/pod<uid>), the container at
// <parent>/berth-<id>.
// systemd: runc's "slice:prefix:name" form; runc (told --systemd-cgroup)
// asks systemd for the transient unit <prefix>-<name>.scope in <slice>. The
// kubelet's systemd driver sends the pod's slice
// (kubepods-besteffort-pod<uid>.slice); its parents are implied by the dashes.
import { posix } from 'node:path';
import { invalidArgument } from '../util/errors.js';
import type { CgroupDriverName } from './driver.js';

/** runc's prefix of our scopes (berth-<id>.scope) and of cgroupfs leaves (berth-<id>). */
export const SCOPE_PREFIX = 'berth';

/** Where a pod without cgroup_parent (crictl, tests) puts its cgroups. */
const DEFAULT_CGROUPFS_PARENT = '/berth';
const DEFAULT_SYSTEMD_SLICE = 'system.slice';

const FIELD = 'linux.cgroup_parent';

export function defaultCgroupParent(driver: CgroupDriverName): string {
  return driver === 'systemd' ? DEFAULT_SYSTEMD_SLICE : DEFAULT_CGROUPFS_PARENT;
}

/**
 * The pod's cgroup parent as Berth keeps it: the request's, or the driver's
 * default. Refuses what the driver cannot place (InvalidArgument naming
 * cgroup_parent) before anything is created.
 */
export function checkCgroupParent(driver: CgroupDriverName, requested: string): string {
  const parent = requested || defaultCgroupParent(driver);
  if (parent.includes('\0') || parent.split('/').includes('..')) throw invalidArgument('cri', `${FIELD}: "${requested}" must not contain ".."`);
  if (driver === 'systemd') sliceOf(parent);
  else if (parent.includes(':')) throw invalidArgument('cri', `${FIELD}: "${requested}" is a systemd form, but the cgroupfs cgroup driver is configured`);
  return parent;
}

/**
 * The slice a systemd parent names: a *.slice unit, or the full path systemd
 * gives that unit (/kubepods.slice/kubepods-besteffort.slice/…, its parents
 * implied by the dashes). Any other path would place the pod somewhere the
 * caller did not say.
 */
function sliceOf(parent: string): string {
  const slice = posix.basename(parent);
  const isSlice = /^[A-Za-z0-9_.\\-]+\.slice$/.test(slice);
  if (!isSlice || (parent.includes('/') && parent.replace(/\/+$/, '') !== expandSlice(slice))) {
    throw invalidArgument('cri', `${FIELD}: "${parent}" is not a systemd slice such as kubepods-besteffort-pod<uid>.slice (the systemd cgroup driver is configured)`);
  }
  return slice;
}

function checkId(id: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw invalidArgument('runtime', `id "${id}" cannot name a cgroup`);
}

/**
 * linux.cgroupsPath of a container (or of a pod's infra process, whose id is
 * the pod id): cgroupfs `<parent>/berth-<id>`, systemd `<slice>:berth:<id>`.
 */
export function cgroupsPathFor(driver: CgroupDriverName, cgroupParent: string, id: string): string {
  checkId(id);
  const parent = checkCgroupParent(driver, cgroupParent);
  if (driver === 'systemd') return `${sliceOf(parent)}:${SCOPE_PREFIX}:${id}`;
  // Normalising an absolute path also stops ".." at the root.
  return posix.join(posix.normalize(`/${parent}`), `${SCOPE_PREFIX}-${id}`);
}

/** The systemd unit runc makes for a container's cgroupsPath; undefined for a cgroupfs path. */
export function scopeUnitOf(cgroupsPath: string): string | undefined {
  const parts = cgroupsPath.split(':');
  if (parts.length !== 3) return undefined;
  const [, prefix, name] = parts as [string, string, string];
  return name.endsWith('.slice') ? name : `${prefix ? `${prefix}-` : ''}${name}.scope`;
}

/** The scope runc makes for one of our containers (or pod infra processes) under systemd. */
export function containerScopeUnit(id: string): string {
  checkId(id);
  return `${SCOPE_PREFIX}-${id}.scope`;
}

/** The scope conmon of a container lives in (systemd driver): its memory is not billed to the pod. */
export function conmonScopeUnit(id: string): string {
  checkId(id);
  return `${SCOPE_PREFIX}-conmon-${id}.scope`;
}

/**
 * An OCI cgroupsPath or a CRI cgroup_parent → its path under the hierarchy
 * root. cgroupfs paths are taken as they are; systemd forms are expanded as
 * runc does: "a-b.slice" → /a.slice/a-b.slice, and "slice:prefix:name" →
 * <slice path>/prefix-name.scope.
 */
export function cgroupFsPath(path: string): string {
  const parts = path.split(':');
  if (parts.length === 3) {
    const [slice] = parts as [string, string, string];
    return `${expandSlice(slice || DEFAULT_SYSTEMD_SLICE)}/${scopeUnitOf(path) as string}`.replace(/^\/\//, '/');
  }
  if (path.endsWith('.slice') && !path.includes('/')) return expandSlice(path);
  return path;
}

function expandSlice(slice: string): string {
  if (slice === '-.slice') return '/';
  const base = slice.slice(0, -'.slice'.length);
  let acc = '';
  let out = '';
  for (const w of base.split('-')) {
    acc = acc ? `${acc}-${w}` : w;
    out += `/${acc}.slice`;
  }
  return out;
}
