// Image volumes (KEP-4639): a CRI Mount whose `image` is set mounts that
// already-pulled image's root filesystem, read-only, at container_path —
// optionally only its `image_sub_path`. The image's layers are overlaid
// without an upper dir (read-only by construction) at
// <bundle>/image-volumes/<n>, and that directory (or the sub path inside it)
// is what the spec bind-mounts. Everything under image-volumes/ is unmounted
// before the bundle is removed, whatever record survived, so a failed or
// crashed create leaves no mount behind.
import { lstat, mkdir, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerConfig } from '../api/gen/api.js';
import { sysMount, sysUnmount } from '../oci/berth-sys.js';
import { BerthError, Code, errnoCode, errorMessage, invalidArgument } from '../util/errors.js';
import type { ImageLookup } from './deps.js';
import type { ContainerPaths } from './paths.js';
import { lowerOptions } from './rootfs.js';

/** Where image volumes of a container are mounted. */
export const imageVolumesDir = (paths: ContainerPaths): string => join(paths.bundle, 'image-volumes');

export interface ImageVolumes {
  /** Mount index → host path the spec bind-mounts (the image root or the resolved sub path). */
  sources: Record<number, string>;
  /** Ids of the images mounted (RemoveImage refuses them while the container exists). */
  imageIds: string[];
}

/** Indexes of config.mounts that are image volumes. */
export function imageMountIndexes(config: ContainerConfig): number[] {
  return config.mounts.flatMap((m, i) => (m.image && m.image.image !== '' ? [i] : []));
}

/**
 * Pure: the sub path as a list of components, refusing what could never stay
 * inside the image (absolute paths, "..", NUL). Empty → [] (the image root).
 */
export function subPathComponents(sub: string, field: string): string[] {
  if (sub === '') return [];
  if (sub.includes('\0')) throw invalidArgument('cri', `${field}: must not contain NUL`);
  if (sub.startsWith('/')) throw invalidArgument('cri', `${field}: "${sub}" must be relative to the image root`);
  const parts = sub.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalidArgument('cri', `${field}: "${sub}" must not contain ".."`);
  return parts;
}

export interface FsOps {
  lstat(path: string): Promise<{ isSymbolicLink(): boolean; isDirectory(): boolean }>;
  readlink(path: string): Promise<string>;
}

const nodeFs: FsOps = { lstat: (p) => lstat(p), readlink: (p) => readlink(p) };
const MAX_LINKS = 40;

/**
 * Resolves `components` below `root` as if `root` were "/": a symlink is
 * followed with its target taken relative to `root` (an absolute target is
 * re-rooted, ".." stops at `root`), so no link inside a hostile image can lead
 * outside it. Returns the host path; the final component must exist.
 */
export async function resolveInRoot(root: string, components: readonly string[], field: string, fs: FsOps = nodeFs): Promise<string> {
  const todo = [...components];
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift() as string;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    const here = join(root, ...done, c);
    let st;
    try {
      st = await fs.lstat(here);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw invalidArgument('cri', `${field}: "${[...done, c].join('/')}" does not exist in the image`);
      throw e;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw invalidArgument('cri', `${field}: too many symbolic links`);
      const target = await fs.readlink(here);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/'));
      continue;
    }
    if (todo.length > 0 && !st.isDirectory()) throw invalidArgument('cri', `${field}: "${[...done, c].join('/')}" is not a directory`);
    done.push(c);
  }
  return join(root, ...done);
}

/** Mounts every image volume of `config`; on failure unmounts what it mounted and throws. */
export async function mountImageVolumes(paths: ContainerPaths, config: ContainerConfig, images: ImageLookup): Promise<ImageVolumes> {
  const out: ImageVolumes = { sources: {}, imageIds: [] };
  const indexes = imageMountIndexes(config);
  if (indexes.length === 0) return out;
  // Refuse malformed sub paths before mounting anything.
  const subs = new Map(indexes.map((i) => [i, subPathComponents(config.mounts[i]?.imageSubPath ?? '', `mounts[${i}].image_sub_path`)]));
  const base = imageVolumesDir(paths);
  try {
    for (const i of indexes) {
      const m = config.mounts[i];
      const ref = m?.image?.image ?? '';
      let image;
      try {
        image = await images.resolveImage(ref);
      } catch (e) {
        if (e instanceof BerthError && e.code === Code.NotFound) {
          throw new BerthError(Code.NotFound, 'image', `mounts[${i}].image: image "${ref}" is not present (image volumes are not pulled by the runtime: pull it first)`);
        }
        throw e;
      }
      const root = join(base, String(i));
      await mkdir(root, { recursive: true, mode: 0o755 });
      // No upper dir: overlayfs is read-only. It needs two lower dirs then; an empty one pads a one-layer image.
      let lowers = image.lowerDirs;
      if (lowers.length < 2) {
        const empty = join(base, 'empty');
        await mkdir(empty, { recursive: true, mode: 0o755 });
        lowers = [...lowers, empty];
      }
      const { options, cwd } = lowerOptions(lowers);
      await sysMount('storage', { type: 'overlay', source: 'overlay', target: root, data: options, cwd, flags: ['ro', 'nosuid', 'nodev'] });
      out.sources[i] = await resolveInRoot(root, subs.get(i) ?? [], `mounts[${i}].image_sub_path`);
      if (!out.imageIds.includes(image.id)) out.imageIds.push(image.id);
    }
    return out;
  } catch (e) {
    await unmountImageVolumes(paths).catch(() => undefined);
    throw e;
  }
}

/** Unmounts every image volume of the container (idempotent). */
export async function unmountImageVolumes(paths: ContainerPaths): Promise<void> {
  const base = imageVolumesDir(paths);
  let names: string[];
  try {
    names = await readdir(base);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw new BerthError(Code.Internal, 'storage', `cannot list ${base}: ${errorMessage(e)}`);
  }
  await sysUnmount('storage', names.filter((n) => /^\d+$/.test(n)).map((n) => join(base, n)));
}
