// Pure: the OCI runtime spec of a pod's infra process, `catatonit -P` from a
// rootfs Berth prepares itself (the static binary, no image). It is PID 1 of
// the pod's shared PID namespace and joins the pod's pinned namespaces. No
// oomScoreAdj: root here may lack CAP_SYS_RESOURCE, and runc aborts on a
// negative value it cannot set.
import type { NsPins } from './namespaces.js';
import { ociMappings, type UsernsMappings } from '../util/idmap.js';

export interface InfraSpecInput {
  podId: string;
  podName: string;
  podNamespace: string;
  podUid: string;
  rootfs: string;
  pins: NsPins;
  /** The pod's user namespace mappings, with pins.user. */
  userns?: UsernsMappings;
  cgroupsPath: string;
}

export const INFRA_BINARY = '/catatonit';

const MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
const NO_CAPS = { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] };

export function infraSpec(i: InfraSpecInput): object {
  // The user namespace first: it owns the pod's other namespaces, and the PID namespace made here.
  const namespaces: { type: string; path?: string }[] = [];
  if (i.pins.user) namespaces.push({ type: 'user', path: i.pins.user });
  namespaces.push({ type: 'pid' }, { type: 'mount' });
  if (i.pins.net) namespaces.push({ type: 'network', path: i.pins.net });
  if (i.pins.ipc) namespaces.push({ type: 'ipc', path: i.pins.ipc });
  if (i.pins.uts) namespaces.push({ type: 'uts', path: i.pins.uts });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: [INFRA_BINARY, '-P'],
      env: ['PATH=/'],
      cwd: '/',
      noNewPrivileges: true,
      capabilities: NO_CAPS,
    },
    root: { path: i.rootfs, readonly: true },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    ],
    linux: {
      cgroupsPath: i.cgroupsPath,
      namespaces,
      // runc 1.1 joins the namespace by path but still needs the mappings (to find the host's root ID).
      ...(i.pins.user && i.userns ? { uidMappings: ociMappings(i.userns.uids), gidMappings: ociMappings(i.userns.gids) } : {}),
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths: MASKED,
      readonlyPaths: READONLY,
    },
    annotations: {
      'io.kubernetes.cri.container-type': 'sandbox',
      'io.kubernetes.cri.sandbox-id': i.podId,
      'io.kubernetes.cri.sandbox-name': i.podName,
      'io.kubernetes.cri.sandbox-namespace': i.podNamespace,
      'io.kubernetes.cri.sandbox-uid': i.podUid,
    },
  };
}
