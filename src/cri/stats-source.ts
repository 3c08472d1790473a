// What the stats RPCs need to know about containers and pods, as an interface
// the daemon adapts the container and sandbox managers to (answered from
// memory: the kubelet polls stats every ~10 s).
import type { ContainerMetadata, PodSandboxMetadata } from '../api/gen/api.js';
import { invalidArgument, notFound } from '../util/errors.js';

export type StatsContainerState = 'creating' | 'created' | 'running' | 'exited' | 'unknown';

export interface StatsContainer {
  id: string;
  podId: string;
  metadata: ContainerMetadata | undefined;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  state: StatsContainerState;
  /**
   * The container's cgroup relative to the hierarchy root: a cgroupfs path
   * ("/kubepods/besteffort/pod…/<id>") or runc's systemd form
   * ("kubepods-besteffort-pod….slice:berth:<id>"). "" when unknown.
   */
  cgroupPath: string;
  /** Overlay upper dir (the writable layer); "" when none. */
  upperDir: string;
  /** The image as the client named it (the metrics' "image" label); "" when unknown. */
  image?: string;
  /** FilesystemIdentifier.mountpoint of the writable layer: the directory holding the layers (e.g. <root>/containers), matched by the kubelet against ImageFsInfo. */
  layerMountpoint: string;
}

export interface StatsPod {
  id: string;
  metadata: PodSandboxMetadata | undefined;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** SANDBOX_READY: only ready pods have live stats. */
  ready: boolean;
  /** The pinned network namespace; undefined with host networking. */
  netnsPath?: string;
  /** CRI linux.cgroup_parent (cgroupfs path or systemd slice); "" when none was given. */
  cgroupParent: string;
}

export interface StatsSource {
  containers(): readonly StatsContainer[];
  pods(): readonly StatsPod[];
}

/** Exact id or unique prefix, as the other RPCs resolve ids; NotFound / InvalidArgument (ambiguous). */
export function resolveById<T extends { id: string }>(items: readonly T[], idOrPrefix: string, what: 'container' | 'pod sandbox'): T {
  if (!idOrPrefix) throw invalidArgument('cri', `${what === 'container' ? 'container_id' : 'pod_sandbox_id'} is empty`);
  const matches = items.filter((x) => x.id.startsWith(idOrPrefix));
  const exact = matches.find((x) => x.id === idOrPrefix);
  if (exact) return exact;
  if (matches.length === 1) return matches[0] as T;
  if (matches.length > 1) throw invalidArgument('cri', `${what} id prefix "${idOrPrefix}" is ambiguous (${matches.length} matches)`);
  throw notFound('cri', `${what} "${idOrPrefix}" not found`);
}
