// What the container subsystem needs from pods and images, as interfaces so
// that src/container depends on neither implementation (they are siblings).
import type { PodSandboxConfig } from '../api/gen/api.js';
import type { UsernsMappings } from '../util/idmap.js';

export interface PodView {
  id: string;
  /** True while the sandbox is READY: containers may only be created then. */
  ready: boolean;
  config: PodSandboxConfig;
  runtimeHandler: string;
  /** Pinned namespace files to join; undefined means the host's namespace. */
  namespaces: { user?: string; network?: string; ipc?: string; uts?: string; pid?: string };
  /** The mappings of the pod's user namespace (namespaces.user), when it has one. */
  userns?: UsernsMappings;
  /** Pod-level files bind-mounted into every container (undefined: not provided). */
  files: { hostname?: string; hosts?: string; resolvConf?: string; shm?: string };
  cgroupParent: string;
}

/** What containers need of the cgroup manager (src/cgroups/manager.ts implements it). */
export interface ContainerCgroups {
  /** conmon's cgroup flags. */
  conmonArgs(): string[];
  /** Moves a waiting conmon into its own cgroup (systemd: a scope in system.slice). */
  placeMonitor(pid: number, id: string): Promise<void>;
  /** The kernel counted an OOM kill in this container's cgroup (cross-check of conmon's oom file). */
  oomKilled(cgroupsPath: string): Promise<boolean>;
  /** Calls onOom when an OOM kill is counted while the container runs; returns the stop function. */
  watchOom(cgroupsPath: string, onOom: () => void): Promise<() => void>;
  /** After the runtime deleted the container: no scope or cgroup of it stays. */
  cleanup(id: string): Promise<void>;
}

export interface PodLookup {
  getPod(id: string): PodView | undefined;
}

/** The subset of an OCI image config a container spec uses. */
export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  StopSignal?: string;
  Labels?: Record<string, string> | null;
  ExposedPorts?: Record<string, unknown> | null;
  Volumes?: Record<string, unknown> | null;
}

export interface ImageView {
  /** Image id: the config digest (sha256:…). */
  id: string;
  /** What ContainerStatus.image_ref reports: a repo digest when known, else the id. */
  ref: string;
  config: ImageConfig;
  /** Overlay lower directories, top-most layer first. */
  lowerDirs: string[];
}

export interface ImageLookup {
  /** Resolves a reference or id of a present image; NotFound otherwise. */
  resolveImage(ref: string): Promise<ImageView>;
}
