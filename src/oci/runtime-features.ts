// What one OCI runtime handler can do on this host, probed once at start-up:
// `<runtime> features` (runc ≥ 1.1; crun ≥ 1.9) lists the mount options it
// knows, and the kernel decides whether "rro" can be honoured. Status reports
// this per handler (RuntimeHandlerFeatures) and container specs use it, so
// what is advertised is exactly what a create accepts.
import { release } from 'node:os';
import { runTool } from '../util/run-tool.js';

export interface HandlerFeatures {
  /** Recursive read-only mounts (`rro`) work: the runtime knows the option and the kernel has mount_setattr(2). */
  recursiveReadOnlyMounts: boolean;
  /**
   * Pods in a user namespace: the runtime joins one by path (any runtime with
   * `features`: runc ≥ 1.1, crun ≥ 1.9) and the kernel can idmap the layer
   * store's filesystem (probed once: berth-sys probe-idmap), which Berth needs
   * for the rootfs layers and volumes.
   */
  userNamespaces: boolean;
}

export const NO_FEATURES: HandlerFeatures = { recursiveReadOnlyMounts: false, userNamespaces: false };

/** Pure: the mount options of a `features` document (runtime-spec features.md); [] when it is not one. */
export function mountOptionsOf(featuresJson: string): string[] {
  try {
    const doc = JSON.parse(featuresJson) as { mountOptions?: unknown };
    return Array.isArray(doc.mountOptions) ? doc.mountOptions.filter((o): o is string => typeof o === 'string') : [];
  } catch {
    return [];
  }
}

/** Pure: mount_setattr(2) with AT_RECURSIVE, which `rro` needs, arrived in Linux 5.12. */
export function kernelHasMountSetattr(kernelRelease: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 5 || (major === 5 && minor >= 12);
}

/** Pure: the features a handler gets from its `features` output, the kernel release and whether the host can idmap the layer store. */
export function handlerFeatures(featuresJson: string | undefined, kernelRelease: string, hostIdmaps = false): HandlerFeatures {
  if (featuresJson === undefined) return NO_FEATURES;
  return {
    recursiveReadOnlyMounts: mountOptionsOf(featuresJson).includes('rro') && kernelHasMountSetattr(kernelRelease),
    userNamespaces: hostIdmaps,
  };
}

/** Runs `<runtime> features`; undefined when the runtime has no such command or fails. */
export async function readRuntimeFeatures(runtimePath: string): Promise<string | undefined> {
  try {
    return (await runTool({ layer: 'runtime', cmd: runtimePath, args: ['features'], timeoutMs: 5000 })).stdout;
  } catch {
    return undefined;
  }
}

export async function probeHandlerFeatures(runtimePath: string | undefined, hostIdmaps: boolean): Promise<HandlerFeatures> {
  if (!runtimePath) return NO_FEATURES;
  return handlerFeatures(await readRuntimeFeatures(runtimePath), release(), hostIdmaps);
}
