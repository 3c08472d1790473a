// The namespaces of a container: the pod's user namespace when it has one
// (joined first, since it owns the pod's others), network, IPC and UTS joined from the pod's
// pinned namespaces (or the host's when the pod uses the node's), PID by the
// container's mode, a new mount namespace always, and a cgroup namespace on
// cgroup v2 (as containerd: not on v1, not when privileged). Pure.
import { NamespaceMode, type NamespaceOption } from '../api/gen/api.js';
import { internal, invalidArgument } from '../util/errors.js';
import { planUserns, sameMappings, type UsernsMappings } from '../util/idmap.js';
import type { OciNamespace } from './oci-spec-types.js';

/** Namespace files of the pod; undefined where the pod uses the host's. */
export interface PodNamespacePaths {
  /** The pod's user namespace. */
  user?: string;
  network?: string;
  ipc?: string;
  uts?: string;
  /** The pod's shared PID namespace (its infra process), when it has one. */
  pid?: string;
  /** PID namespace of the container named by namespace_options.target_id (mode TARGET). */
  targetPid?: string;
}

export interface NamespaceInput {
  /** sandbox_config.linux.security_context.namespace_options: decides network and IPC. */
  pod: NamespaceOption | undefined;
  /** linux.security_context.namespace_options: decides PID (the pod's when unset). */
  container: NamespaceOption | undefined;
  paths: PodNamespacePaths;
  /** The mappings of the pod's user namespace (paths.user). */
  userns?: UsernsMappings;
  privileged: boolean;
  cgroupV2: boolean;
}

export interface NamespaceResult {
  namespaces: OciNamespace[];
  hostNetwork: boolean;
  hostIpc: boolean;
  hostUts: boolean;
  hostPid: boolean;
}

const POD_FIELD = 'sandbox_config.linux.security_context.namespace_options';
const CTR_FIELD = 'linux.security_context.namespace_options';

export function buildNamespaces(input: NamespaceInput): NamespaceResult {
  const netMode = input.pod?.network ?? NamespaceMode.POD;
  const ipcMode = input.pod?.ipc ?? NamespaceMode.POD;
  const pidOptions = input.container ?? input.pod;
  const pidMode = pidOptions?.pid ?? NamespaceMode.POD;

  if (netMode !== NamespaceMode.POD && netMode !== NamespaceMode.NODE) {
    throw invalidArgument('cri', `${POD_FIELD}.network: must be POD or NODE, not ${NamespaceMode[netMode] ?? netMode}`);
  }
  if (ipcMode === NamespaceMode.TARGET || NamespaceMode[ipcMode] === undefined || ipcMode < 0) {
    throw invalidArgument('cri', `${POD_FIELD}.ipc: must be POD, CONTAINER or NODE, not ${NamespaceMode[ipcMode] ?? ipcMode}`);
  }

  const namespaces: OciNamespace[] = [];
  if (input.container?.usernsOptions) {
    // The kubelet repeats the pod's options on each container; a pod has one user namespace.
    const asked = planUserns(input.container.usernsOptions, `${CTR_FIELD}.userns_options`);
    if (!sameMappings(asked, input.userns)) throw invalidArgument('cri', `${CTR_FIELD}.userns_options: differs from the pod's; a pod's containers share its user namespace`);
  }
  if (input.userns) {
    if (input.privileged) throw invalidArgument('cri', 'linux.security_context.privileged: not allowed in a pod with a user namespace');
    namespaces.push({ type: 'user', path: podPath(input.paths.user, 'user') });
  }
  const hostNetwork = netMode === NamespaceMode.NODE;
  // UTS follows the network: a host-network pod has the node's hostname.
  const hostUts = hostNetwork;
  const hostIpc = ipcMode === NamespaceMode.NODE;

  const pid = pidNamespace(pidMode, pidOptions, input.paths);
  if (pid) namespaces.push(pid);
  if (!hostIpc) namespaces.push(ipcMode === NamespaceMode.CONTAINER ? { type: 'ipc' } : { type: 'ipc', path: podPath(input.paths.ipc, 'IPC') });
  if (!hostUts) namespaces.push({ type: 'uts', path: podPath(input.paths.uts, 'UTS') });
  namespaces.push({ type: 'mount' });
  if (!hostNetwork) namespaces.push({ type: 'network', path: podPath(input.paths.network, 'network') });
  // A cgroup namespace hides the host's hierarchy; on v1 it breaks tools that expect the full paths.
  if (input.cgroupV2 && !input.privileged) namespaces.push({ type: 'cgroup' });

  return { namespaces, hostNetwork, hostIpc, hostUts, hostPid: pidMode === NamespaceMode.NODE };
}

function pidNamespace(mode: NamespaceMode, options: NamespaceOption | undefined, paths: PodNamespacePaths): OciNamespace | undefined {
  switch (mode) {
    case NamespaceMode.CONTAINER:
      return { type: 'pid' };
    case NamespaceMode.POD:
      if (!paths.pid) throw invalidArgument('cri', `${CTR_FIELD}.pid: POD, but the pod has no shared PID namespace`);
      return { type: 'pid', path: paths.pid };
    case NamespaceMode.NODE:
      return undefined;
    case NamespaceMode.TARGET:
      if (!options?.targetId) throw invalidArgument('cri', `${CTR_FIELD}.target_id: required when pid is TARGET`);
      if (!paths.targetPid) throw internal('runtime', `PID namespace of target container ${options.targetId} was not resolved`);
      return { type: 'pid', path: paths.targetPid };
    default:
      throw invalidArgument('cri', `${CTR_FIELD}.pid: unknown mode ${mode}`);
  }
}

function podPath(path: string | undefined, kind: string): string {
  if (!path) throw internal('runtime', `the pod has no ${kind} namespace to join`);
  return path;
}
