// What a container needs from its pod: the namespaces to join, the files to
// bind-mount, the cgroup parent. Shaped to match src/container/deps.ts'
// PodView structurally (pod and container are siblings; neither imports the other).
import { PodSandboxConfig } from '../api/gen/api.js';
import type { PodRecord } from './sandbox-store.js';
import type { UsernsMappings } from '../util/idmap.js';

export interface PodNamespacePaths {
  /** The pod's user namespace (joined first: it owns the others). */
  user?: string;
  /** Pinned namespace files; undefined means the node's namespace. */
  network?: string;
  ipc?: string;
  uts?: string;
  /** The infra process's PID namespace (/proc/<pid>/ns/pid) when the pod shares one. */
  pid?: string;
}

export interface PodFiles {
  hostname?: string;
  hosts?: string;
  resolvConf?: string;
  /** The pod's /dev/shm tmpfs; undefined with host IPC (use the node's /dev/shm). */
  shm?: string;
}

export interface PodViewData {
  id: string;
  ready: boolean;
  config: PodSandboxConfig;
  runtimeHandler: string;
  namespaces: PodNamespacePaths;
  files: PodFiles;
  cgroupParent: string;
  /** Mappings of the pod's user namespace (namespaces.user). */
  userns?: UsernsMappings;
}

export function podNamespacePaths(r: PodRecord): PodNamespacePaths {
  const out: PodNamespacePaths = {};
  if (r.pins.user) out.user = r.pins.user;
  if (r.pins.net) out.network = r.pins.net;
  if (r.pins.ipc) out.ipc = r.pins.ipc;
  if (r.pins.uts) out.uts = r.pins.uts;
  if (r.infra?.pid) out.pid = `/proc/${r.infra.pid}/ns/pid`;
  return out;
}

export function podFiles(r: PodRecord): PodFiles {
  const f: PodFiles = { hostname: r.files.hostname, hosts: r.files.hosts, resolvConf: r.files.resolvConf };
  if (r.ownShm) f.shm = r.files.shm;
  return f;
}

const configCache = new WeakMap<PodRecord, PodSandboxConfig>();

export function podView(r: PodRecord): PodViewData {
  let config = configCache.get(r);
  if (!config) {
    config = PodSandboxConfig.fromJSON(r.config);
    configCache.set(r, config);
  }
  return {
    id: r.id,
    ready: r.phase === 'ready',
    config,
    runtimeHandler: r.runtimeHandler,
    namespaces: podNamespacePaths(r),
    files: podFiles(r),
    cgroupParent: r.cgroupParent,
    ...(r.userns ? { userns: r.userns } : {}),
  };
}
