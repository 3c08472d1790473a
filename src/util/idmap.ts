// User-namespace ID mappings as the CRI sends them (UserNamespace.uids/gids)
// and as runc and /proc/<pid>/{uid,gid}_map take them. Pure; shared by the
// pod (which creates the user namespace) and its containers (which join it).
import { invalidArgument } from './errors.js';

export interface IdMap {
  containerId: number;
  hostId: number;
  size: number;
}

export interface UsernsMappings {
  uids: IdMap[];
  gids: IdMap[];
}

/**
 * IDs below this on the host are the node's own (root, system users, the
 * first regular users): a pod's user namespace must not map onto them, or
 * a container's root would own the node's files. The kubelet allocates pod
 * ranges from 65536 up (its first range is the node's), as does CRI-O.
 */
export const NODE_ID_RANGE = 65536;

/** The CRI's IDMapping and UserNamespace, structurally (util/ imports no API code). */
export interface CriIdMapping {
  hostId: number;
  containerId: number;
  length: number;
}
export interface CriUserNamespace {
  mode: number;
  uids: readonly CriIdMapping[];
  gids: readonly CriIdMapping[];
}

/** The kernel accepts at most 340 lines in a uid_map/gid_map (since 4.15). */
const MAX_LINES = 340;
const ID_LIMIT = 2 ** 32;

function checkList(list: readonly CriIdMapping[], field: string): IdMap[] {
  if (list.length === 0) throw invalidArgument('cri', `${field}: a user namespace needs at least one mapping`);
  if (list.length > MAX_LINES) throw invalidArgument('cri', `${field}: ${list.length} mappings, the kernel takes at most ${MAX_LINES}`);
  const maps = list.map((m, i): IdMap => {
    const f = `${field}[${i}]`;
    if (m.length === 0) throw invalidArgument('cri', `${f}.length: must be > 0`);
    if (m.containerId + m.length > ID_LIMIT) throw invalidArgument('cri', `${f}: container_id ${m.containerId} + length ${m.length} overflows 32 bits`);
    if (m.hostId + m.length > ID_LIMIT) throw invalidArgument('cri', `${f}: host_id ${m.hostId} + length ${m.length} overflows 32 bits`);
    if (m.hostId < NODE_ID_RANGE) {
      throw invalidArgument('cri', `${f}.host_id: ${m.hostId} maps onto the node's own IDs (below ${NODE_ID_RANGE}); pod ranges start at ${NODE_ID_RANGE}`);
    }
    return { containerId: m.containerId, hostId: m.hostId, size: m.length };
  });
  for (const key of ['containerId', 'hostId'] as const) {
    const sorted = [...maps].sort((a, b) => a[key] - b[key]);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1] as IdMap;
      const cur = sorted[i] as IdMap;
      if (prev[key] + prev.size > cur[key]) throw invalidArgument('cri', `${field}: ${key === 'hostId' ? 'host' : 'container'} ranges overlap at ${cur[key]}`);
    }
  }
  if (hostIdOf(maps, 0) === undefined) throw invalidArgument('cri', `${field}: container ID 0 must be mapped (the runtime sets the container up as its root)`);
  return maps;
}

/**
 * The pod's user namespace from namespace_options.userns_options: undefined
 * for the node's (no options, or mode NODE), mappings for mode POD.
 * CONTAINER and TARGET are refused, as by containerd and CRI-O: the kubelet
 * sends only POD and NODE.
 */
export function planUserns(userns: CriUserNamespace | undefined, field: string): UsernsMappings | undefined {
  if (!userns) return undefined;
  // NamespaceMode: POD = 0, CONTAINER = 1, NODE = 2, TARGET = 3.
  if (userns.mode === 2) {
    if (userns.uids.length > 0 || userns.gids.length > 0) throw invalidArgument('cri', `${field}: mode NODE takes no uids/gids mappings`);
    return undefined;
  }
  if (userns.mode !== 0) throw invalidArgument('cri', `${field}.mode: only POD and NODE are supported, not ${userns.mode}`);
  return { uids: checkList(userns.uids, `${field}.uids`), gids: checkList(userns.gids, `${field}.gids`) };
}

export function sameMappings(a: UsernsMappings | undefined, b: UsernsMappings | undefined): boolean {
  const key = (m: UsernsMappings | undefined): string => (m ? mapArg(m.uids) + '/' + mapArg(m.gids) : '');
  return key(a) === key(b);
}

/** The host ID of a container ID, or undefined when it is not mapped. */
export function hostIdOf(maps: readonly IdMap[], id: number): number | undefined {
  const m = maps.find((x) => id >= x.containerId && id < x.containerId + x.size);
  return m ? m.hostId + (id - m.containerId) : undefined;
}

/** "C:H:L,C:H:L" — berth-sys's form of a map file. */
export function mapArg(maps: readonly IdMap[]): string {
  return maps.map((m) => `${m.containerId}:${m.hostId}:${m.size}`).join(',');
}

/** The OCI runtime spec's linux.uidMappings / gidMappings entries. */
export function ociMappings(maps: readonly IdMap[]): { containerID: number; hostID: number; size: number }[] {
  return maps.map((m) => ({ containerID: m.containerId, hostID: m.hostId, size: m.size }));
}
