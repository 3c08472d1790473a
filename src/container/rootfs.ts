// A container's root filesystem: an overlay of the image's layers (read-only
// lower dirs) with the container's own upper/work dirs, mounted at
// <bundle>/rootfs. Node cannot mount: the berth-sys helper does it.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import { sysMount, sysUnmount } from '../oci/berth-sys.js';
import type { ContainerPaths } from './paths.js';

/** mount(2) data is limited to a page; stay below it with room for upper/work. */
const MAX_MOUNT_DATA = 3800;

/** Pure: overlay mount options and the working directory to run mount in (for relative lower dirs). */
export function overlayOptions(lowerDirs: readonly string[], upper: string, work: string): { options: string; cwd?: string } {
  const absolute = `lowerdir=${lowerDirs.join(':')},upperdir=${upper},workdir=${work}`;
  if (absolute.length <= MAX_MOUNT_DATA) return { options: absolute };
  // Many layers: name the lower dirs relative to their common parent, as containerd does.
  const base = commonParent(lowerDirs);
  const rel = lowerDirs.map((d) => relative(base, d));
  return { options: `lowerdir=${rel.join(':')},upperdir=${upper},workdir=${work}`, cwd: base };
}

function commonParent(paths: readonly string[]): string {
  const split = paths.map((p) => p.split(sep));
  const first = split[0] ?? [];
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && parts[i] === first[i]) i++;
    n = i;
  }
  const joined = first.slice(0, n).join(sep);
  return joined || sep;
}

export async function mountRootfs(paths: ContainerPaths, lowerDirs: readonly string[]): Promise<void> {
  await Promise.all([
    mkdir(paths.upper, { recursive: true, mode: 0o755 }),
    mkdir(paths.work, { recursive: true, mode: 0o700 }),
    mkdir(paths.rootfs, { recursive: true, mode: 0o755 }),
  ]);
  let lowers = lowerDirs;
  if (lowers.length === 0) {
    // An image without layers: overlay needs one lower dir.
    const empty = `${dirname(paths.upper)}/empty`;
    await mkdir(empty, { recursive: true, mode: 0o755 });
    lowers = [empty];
  }
  const { options, cwd } = overlayOptions(lowers, paths.upper, paths.work);
  await sysMount('storage', { type: 'overlay', source: 'overlay', target: paths.rootfs, data: options, cwd });
}

/** Unmounts the rootfs if mounted (lazily when busy) — idempotent. */
export async function unmountRootfs(paths: ContainerPaths): Promise<void> {
  await sysUnmount('storage', [paths.rootfs]);
}

/** Removes every file of the container (after unmounting). */
export async function removeContainerFiles(paths: ContainerPaths): Promise<void> {
  await unmountRootfs(paths);
  await rm(paths.bundle, { recursive: true, force: true });
  await rm(paths.layerDir, { recursive: true, force: true });
}
