// Mounts of a container: the runtime's defaults (/proc, /dev, /sys …), the
// pod's files (/etc/hosts, /etc/resolv.conf, /etc/hostname, /dev/shm) and the
// CRI bind mounts, merged and ordered as containerd does. Also the masked and
// read-only /proc and /sys paths. Pure: host paths arrive already resolved.
import { posix } from 'node:path';
import { MountPropagation, type Mount } from '../api/gen/api.js';
import { invalidArgument } from '../util/errors.js';
import type { OciMount } from './oci-spec-types.js';

/** containerd 1.6's defaults (its OCI defaults; the CRI plugin applies the kubelet's lists when given). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];

export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Paths the pod prepared on the host; a missing one is not mounted. */
export interface PodFiles {
  hosts?: string;
  resolvConf?: string;
  hostname?: string;
  /** The pod's /dev/shm (a tmpfs on the host); without it the container gets its own. */
  shm?: string;
}

export interface MountInput {
  mounts: readonly Mount[];
  podFiles: PodFiles;
  privileged: boolean;
  readonlyRootfs: boolean;
  /** The pod shares the host's IPC namespace, so /dev/shm is the host's. */
  hostIpc: boolean;
  /** CRI host_path → the same path with symlinks resolved; absent entries are used as given. */
  resolvedHostPaths?: Readonly<Record<string, string>>;
  /** Image volumes (KEP-4639): mount index → the image's root (or sub path) mounted read-only on the host. */
  imageMountSources?: Readonly<Record<number, string>>;
  /** The OCI runtime supports the "rro" mount option (recursive read-only, Linux ≥ 5.12). */
  rroSupported: boolean;
}

export interface MountResult {
  mounts: OciMount[];
  /** Set when a mount needs the rootfs to propagate (rshared/rslave). */
  rootfsPropagation?: 'rshared' | 'rslave';
}

/** A bind mount to make, from the CRI or the pod. */
interface BindRequest {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  propagation: MountPropagation;
  recursiveReadOnly: boolean;
}

export function buildMounts(input: MountInput): MountResult {
  const cri = input.mounts.map((m, i) => criBind(m, i, input));
  rejectDuplicates(cri);
  const criTargets = new Set(cri.map((b) => b.containerPath));
  // The pod's files, unless a CRI mount replaces them (the kubelet mounts its own /etc/hosts).
  const extra = podBinds(input).filter((b) => !criTargets.has(b.containerPath));
  // Parents before children, so a deeper mount is not hidden; stable for equal depth.
  const binds = [...cri, ...extra].sort((a, b) => depth(a.containerPath) - depth(b.containerPath));

  const targets = new Set(binds.map((b) => b.containerPath));
  const defaults = defaultMounts(input).filter((m) => {
    if (targets.has(m.destination)) return false;
    return !(targets.has('/dev') && m.destination.startsWith('/dev/'));
  });

  let rootfsPropagation: MountResult['rootfsPropagation'];
  const mounts = [...defaults];
  for (const b of binds) {
    const options = ['rbind'];
    switch (b.propagation) {
      case MountPropagation.PROPAGATION_BIDIRECTIONAL:
        options.push('rshared');
        rootfsPropagation = 'rshared';
        break;
      case MountPropagation.PROPAGATION_HOST_TO_CONTAINER:
        options.push('rslave');
        if (rootfsPropagation !== 'rshared') rootfsPropagation = 'rslave';
        break;
      default:
        options.push('rprivate');
    }
    // As containerd: a read-only rootfs does not make the bind mounts read-only.
    options.push(b.readonly ? 'ro' : 'rw');
    if (b.recursiveReadOnly) options.push('rro');
    mounts.push({ destination: b.containerPath, type: 'bind', source: b.hostPath, options });
  }
  return rootfsPropagation ? { mounts, rootfsPropagation } : { mounts };
}

function criBind(m: Mount, i: number, input: MountInput): BindRequest {
  const at = `mounts[${i}]`;
  const containerPath = absolute(m.containerPath, `${at}.container_path`);
  if (containerPath === '/') throw invalidArgument('cri', `${at}.container_path: cannot mount over the root filesystem`);
  if (m.uidMappings.length > 0 || m.gidMappings.length > 0) {
    throw invalidArgument('cri', `${at}.uidMappings: id-mapped mounts are not supported (no user namespaces)`);
  }
  if (m.image && m.image.image !== '') {
    // An image volume: always read-only and private, whatever else the request says (host_path is ignored).
    const source = input.imageMountSources?.[i];
    if (!source) throw invalidArgument('cri', `${at}.image: image "${m.image.image}" was not mounted`);
    if (m.propagation !== MountPropagation.PROPAGATION_PRIVATE) throw invalidArgument('cri', `${at}.propagation: an image volume is PROPAGATION_PRIVATE only`);
    return { containerPath, hostPath: source, readonly: true, propagation: MountPropagation.PROPAGATION_PRIVATE, recursiveReadOnly: false };
  }
  if (m.imageSubPath !== '') throw invalidArgument('cri', `${at}.image_sub_path: set without image`);
  const hostPath = absolute(m.hostPath, `${at}.host_path`);
  const known = [MountPropagation.PROPAGATION_PRIVATE, MountPropagation.PROPAGATION_HOST_TO_CONTAINER, MountPropagation.PROPAGATION_BIDIRECTIONAL];
  if (!known.includes(m.propagation)) throw invalidArgument('cri', `${at}.propagation: unknown value ${m.propagation}`);
  if (m.recursiveReadOnly) {
    // The CRI contract: recursive read-only needs readonly and private propagation.
    if (!m.readonly) throw invalidArgument('cri', `${at}.recursive_read_only: requires readonly`);
    if (m.propagation !== MountPropagation.PROPAGATION_PRIVATE) {
      throw invalidArgument('cri', `${at}.recursive_read_only: requires propagation PROPAGATION_PRIVATE`);
    }
    // Never degrade silently to a plain ro bind: submounts would stay writable.
    if (!input.rroSupported) throw invalidArgument('cri', `${at}.recursive_read_only: not supported by the OCI runtime`);
  }
  return {
    containerPath,
    hostPath: input.resolvedHostPaths?.[m.hostPath] ?? hostPath,
    readonly: m.readonly,
    propagation: m.propagation,
    recursiveReadOnly: m.recursiveReadOnly,
  };
}

function rejectDuplicates(binds: readonly BindRequest[]): void {
  const seen = new Map<string, number>();
  binds.forEach((b, i) => {
    const first = seen.get(b.containerPath);
    if (first !== undefined) throw invalidArgument('cri', `mounts[${i}].container_path: "${b.containerPath}" is also the target of mounts[${first}]`);
    seen.set(b.containerPath, i);
  });
}

function podBinds(input: MountInput): BindRequest[] {
  const out: BindRequest[] = [];
  const file = (containerPath: string, hostPath: string | undefined, readonly: boolean) => {
    if (hostPath) out.push({ containerPath, hostPath, readonly, propagation: MountPropagation.PROPAGATION_PRIVATE, recursiveReadOnly: false });
  };
  // The /etc files follow the rootfs: read-only rootfs, read-only files (containerd).
  file('/etc/hostname', input.podFiles.hostname, input.readonlyRootfs);
  file('/etc/hosts', input.podFiles.hosts, input.readonlyRootfs);
  file('/etc/resolv.conf', input.podFiles.resolvConf, input.readonlyRootfs);
  file('/dev/shm', input.hostIpc ? '/dev/shm' : input.podFiles.shm, false);
  return out;
}

function defaultMounts(input: MountInput): OciMount[] {
  const ro = input.privileged ? [] : ['ro'];
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...ro] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', ...ro] },
  ];
  return mounts;
}

/**
 * The CRI lists when given; otherwise the defaults. Privileged: none.
 * Protobuf cannot tell an empty list from an absent one, so an empty list means
 * "defaults" (see docs/architecture.md, Container spec).
 */
/**
 * linux.maskedPaths/readonlyPaths. A non-empty CRI list is used as given; an
 * empty one means the defaults — except that both empty in a pod with its own
 * user namespace is procMount Unmasked: the kubelet sends the default lists
 * for Default and empty ones for Unmasked, which Kubernetes allows only with
 * hostUsers: false. Elsewhere (crictl, no lists) empty stays the safe default.
 */
export function maskedAndReadonlyPaths(o: { privileged: boolean; maskedPaths: readonly string[]; readonlyPaths: readonly string[]; podUserNamespace?: boolean }): {
  maskedPaths: string[];
  readonlyPaths: string[];
} {
  if (o.privileged) return { maskedPaths: [], readonlyPaths: [] };
  if (o.podUserNamespace && o.maskedPaths.length === 0 && o.readonlyPaths.length === 0) return { maskedPaths: [], readonlyPaths: [] };
  const field = 'linux.security_context';
  const masked = o.maskedPaths.length > 0 ? o.maskedPaths.map((p, i) => absolute(p, `${field}.masked_paths[${i}]`)) : [...DEFAULT_MASKED_PATHS];
  const readonly = o.readonlyPaths.length > 0 ? o.readonlyPaths.map((p, i) => absolute(p, `${field}.readonly_paths[${i}]`)) : [...DEFAULT_READONLY_PATHS];
  return { maskedPaths: masked, readonlyPaths: readonly };
}

/** A clean absolute path, or InvalidArgument naming the field. */
export function absolute(path: string, field: string): string {
  if (path === '') throw invalidArgument('cri', `${field}: must not be empty`);
  if (!path.startsWith('/')) throw invalidArgument('cri', `${field}: "${path}" must be absolute`);
  const clean = posix.normalize(path);
  return clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean;
}

function depth(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}
