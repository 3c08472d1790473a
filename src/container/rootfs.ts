// A container's root filesystem: an overlay of the image's layers (read-only
// lower dirs) with the container's own upper/work dirs, mounted at
// <bundle>/rootfs. Node cannot mount: the berth-sys helper does it.
// In a pod with a user namespace the lower dirs are idmapped clones (the
// image's files keep their on-disk owners and appear shifted into the pod's
// range; nothing is chowned) and the fresh upper dir is owned by the pod's
// root, so that the merged root directory is the container root's.
import { chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { sysIdmap, sysMount, sysOverlayIdmap, sysUnmount } from '../oci/berth-sys.js';
import { BerthError, Code, errnoCode, errorMessage } from '../util/errors.js';
import { unmountImageVolumes } from './image-volumes.js';
import type { ContainerPaths } from './paths.js';

/** mount(2) data is limited to a page; stay below it with room for upper/work. */
const MAX_MOUNT_DATA = 3800;

/** Pure: overlay mount options and the working directory to run mount in (for relative lower dirs). */
export function overlayOptions(lowerDirs: readonly string[], upper: string, work: string): { options: string; cwd?: string } {
  return lowerOptions(lowerDirs, `,upperdir=${upper},workdir=${work}`);
}

/** Pure: `lowerdir=…` followed by `rest`, the lower dirs relative to `cwd` when absolute names would not fit. */
export function lowerOptions(lowerDirs: readonly string[], rest = ''): { options: string; cwd?: string } {
  const absolute = `lowerdir=${lowerDirs.join(':')}${rest}`;
  if (absolute.length <= MAX_MOUNT_DATA) return { options: absolute };
  // Many layers: name the lower dirs relative to their common parent, as containerd does.
  const base = commonParent(lowerDirs);
  const rel = lowerDirs.map((d) => relative(base, d));
  return { options: `lowerdir=${rel.join(':')}${rest}`, cwd: base };
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

/** How a user-namespaced pod's container sees its files. */
export interface RootfsIdmap {
  /** The pod's pinned user namespace. */
  usernsPin: string;
  /** The host IDs of the container's root. */
  rootUid: number;
  rootGid: number;
}

export async function mountRootfs(paths: ContainerPaths, lowerDirs: readonly string[], idmap?: RootfsIdmap): Promise<void> {
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
  if (idmap) {
    await chown(paths.upper, idmap.rootUid, idmap.rootGid);
    await sysOverlayIdmap('storage', idmap.usernsPin, paths.rootfs, paths.upper, paths.work, lowers);
    return;
  }
  const { options, cwd } = overlayOptions(lowers, paths.upper, paths.work);
  await sysMount('storage', { type: 'overlay', source: 'overlay', target: paths.rootfs, data: options, cwd });
}

function idmapDir(paths: ContainerPaths): string {
  return join(paths.bundle, 'idmap');
}

/**
 * Idmapped clones of volume sources for a container in a user-namespaced
 * pod, under <bundle>/idmap/<n>: runc 1.1 cannot idmap a mount itself, so it
 * bind-mounts these instead of the host paths. Returns host path → clone.
 */
export async function idmapVolumes(paths: ContainerPaths, usernsPin: string, sources: readonly { path: string; isDir: boolean }[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (sources.length === 0) return out;
  const dir = idmapDir(paths);
  // Traversable: runc bind-mounts from here as the pod's root, inside the user namespace.
  await mkdir(dir, { recursive: true, mode: 0o711 });
  for (const [i, s] of sources.entries()) {
    if (out.has(s.path)) continue;
    const target = join(dir, String(i));
    if (s.isDir) await mkdir(target, { mode: 0o755 });
    else await writeFile(target, '', { mode: 0o444 }); // a bind mount of a file goes onto a file
    await sysIdmap('storage', usernsPin, s.path, target);
    out.set(s.path, target);
  }
  return out;
}

/** Detaches the idmapped volume clones; before anything is deleted, or rm would walk into the volumes. */
async function unmountIdmapped(paths: ContainerPaths): Promise<void> {
  let names: string[];
  try {
    names = await readdir(idmapDir(paths));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw new BerthError(Code.Internal, 'storage', `cannot list ${idmapDir(paths)}: ${errorMessage(e)}`);
  }
  await sysUnmount('storage', names.map((n) => join(idmapDir(paths), n)));
}

/** Unmounts the rootfs if mounted (lazily when busy) — idempotent. */
export async function unmountRootfs(paths: ContainerPaths): Promise<void> {
  await sysUnmount('storage', [paths.rootfs]);
}

/** Removes every file of the container (after unmounting). */
export async function removeContainerFiles(paths: ContainerPaths): Promise<void> {
  await unmountImageVolumes(paths);
  await unmountRootfs(paths);
  await unmountIdmapped(paths);
  await rm(paths.bundle, { recursive: true, force: true });
  await rm(paths.layerDir, { recursive: true, force: true });
}
