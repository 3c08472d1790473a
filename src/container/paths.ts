// Where a container's files live. Writable layers persist under --root (they
// survive a reboot, like the image layers); the bundle, conmon's files and
// exit codes are volatile, under --state.
import { join } from 'node:path';

export interface ContainerPaths {
  /** Overlay upper and work dirs (persistent). */
  layerDir: string;
  upper: string;
  work: string;
  /** OCI bundle: config.json, the rootfs mount point, conmon's pidfiles, attach socket, ctl fifo. */
  bundle: string;
  rootfs: string;
  /** conmon's --persist-dir: exit and oom files. */
  persistDir: string;
}

export interface ContainerDirs {
  /** <root>/containers */
  layers: string;
  /** <state>/containers */
  bundles: string;
  /** <state>/exits: conmon writes <id> here when the container exits. */
  exits: string;
  /** <state>/sockets: conmon's --socket-dir-path (attach socket links; short paths). */
  sockets: string;
  /** <root>/containers-meta: records */
  records: string;
}

export function containerDirs(root: string, state: string): ContainerDirs {
  return {
    layers: join(root, 'containers'),
    bundles: join(state, 'containers'),
    exits: join(state, 'exits'),
    sockets: join(state, 'sockets'),
    records: join(root, 'meta', 'containers'),
  };
}

export function containerPaths(dirs: ContainerDirs, id: string): ContainerPaths {
  const layerDir = join(dirs.layers, id);
  const bundle = join(dirs.bundles, id);
  return {
    layerDir,
    upper: join(layerDir, 'upper'),
    work: join(layerDir, 'work'),
    bundle,
    rootfs: join(bundle, 'rootfs'),
    persistDir: join(bundle, 'persist'),
  };
}
