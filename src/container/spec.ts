// CRI ContainerConfig + PodSandboxConfig + the image config → the OCI
// config.json runc runs. Pure: everything that needs the filesystem or the
// host (user lookup, device numbers, namespace paths, host capabilities,
// profiles on disk) is resolved by the caller and passed in SpecInput; each
// concern lives in a spec-*.ts module, composed here.
import type { ContainerConfig, PodSandboxConfig } from '../api/gen/api.js';
import { normalizeSysctlName, sysctlNamespace } from '../util/sysctls.js';
import { invalidArgument } from '../util/errors.js';
import { OCI_VERSION, type OciHooks, type OciMount, type OciRlimit, type OciSpec } from './oci-spec-types.js';
import { specialiseSeccompProfile, type SeccompProfile } from './seccomp-profile.js';
import { ALL_CAPABILITIES, computeCapabilities } from './spec-capabilities.js';
import { buildMounts, maskedAndReadonlyPaths, type PodFiles } from './spec-mounts.js';
import { ociMappings, type UsernsMappings } from '../util/idmap.js';
import { buildNamespaces, type NamespaceResult, type PodNamespacePaths } from './spec-namespaces.js';
import { processArgs, processCwd, processEnv, type ImageProcessConfig } from './spec-process.js';
import { buildDevices, buildResources, oomScoreAdj, validateCriDevices, type ResolvedDevice } from './spec-resources.js';
import { resolveApparmorProfile, selinuxLabels } from './spec-security.js';

export type { ImageProcessConfig } from './spec-process.js';
export type { PodFiles } from './spec-mounts.js';
export type { PodNamespacePaths } from './spec-namespaces.js';
export type { ResolvedDevice } from './spec-resources.js';
export { resolveSeccompChoice, confinementWhenUnset, resolveApparmorProfile, APPARMOR_DEFAULT_PROFILE, type SeccompChoice } from './spec-security.js';
export { resolveStopSignal, signalNumber } from './spec-signal.js';
export { capabilitiesFromMask, ALL_CAPABILITIES, DEFAULT_CAPABILITIES } from './spec-capabilities.js';
export { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from './spec-mounts.js';

/** What the host is and what berthd may do on it; read once at start-up by the caller. */
export interface HostFacts {
  /** berthd holds CAP_SYS_RESOURCE, so a container may get a lower oom_score_adj than berthd's. */
  canLowerOomScoreAdj: boolean;
  /** berthd's own /proc/self/oom_score_adj. */
  currentOomScoreAdj: number;
  cgroupV2: boolean;
  hostHasApparmor: boolean;
  hostHasSelinux: boolean;
  /** Go architecture name (goArch(process.arch)), for the seccomp profile. */
  arch: string;
  /** For the profile's minKernel rules; undefined = recent enough. */
  kernel?: { major: number; minor: number };
  /** The node's hostname: HOSTNAME of containers whose pod sets none. */
  hostname: string;
  /** berthd's bounding set (CAP_-prefixed): privileged and ALL mean these; default all known. */
  capabilities?: readonly string[];
  /** The OCI runtime accepts "rro" (runc features → mountOptions). */
  rroSupported?: boolean;
  swapController?: boolean;
  hugetlbController?: boolean;
  /** The policy's default container labels (SELinux hosts only). */
  selinuxBaseLabels?: { processLabel: string; mountLabel: string };
}

/** Changes a CDI spec makes to a container (already resolved from the CDI registry). */
export interface CdiEdits {
  env?: string[];
  devices?: ResolvedDevice[];
  mounts?: OciMount[];
  hooks?: OciHooks;
  additionalGids?: number[];
}

export interface SpecInput {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  sandboxConfig: PodSandboxConfig;
  /** The image config's "config" object. */
  image: ImageProcessConfig;
  /** For the image-name annotation; default config.image.image. */
  imageName?: string;
  rootfs: { path: string; readonly?: boolean };
  /** From resolveUser(). */
  user: { uid: number; gid: number; additionalGids: readonly number[] };
  namespaces: PodNamespacePaths;
  /** The mappings of the pod's user namespace (namespaces.user). */
  userns?: UsernsMappings;
  podFiles: PodFiles;
  /** From containerCgroupsPath(); omitted leaves the runtime's default. */
  cgroupsPath?: string;
  host: HostFacts;
  /** The profile resolveSeccompChoice() chose, loaded (default or Localhost), or 'unconfined'. */
  seccomp: SeccompProfile | 'unconfined';
  /** The daemon's policy (confinementWhenUnset) sets no_new_privs though the request did not. */
  forceNoNewPrivs?: boolean;
  /** The CRI devices (and, privileged, all host devices) with their host numbers. */
  devices?: readonly ResolvedDevice[];
  /** CRI mount host_path → its symlink-free path. */
  resolvedHostPaths?: Readonly<Record<string, string>>;
  /** Image volumes: mount index → the mounted image (or its sub path) on the host. */
  imageMountSources?: Readonly<Record<number, string>>;
  cdi?: CdiEdits;
  /** From the daemon config; the CRI has no rlimits and containerd sets none. */
  rlimits?: readonly OciRlimit[];
  /** The pod's sysctls; default sandbox_config.linux.sysctls. */
  sysctls?: Readonly<Record<string, string>>;
  /** 'sandbox' for a pod's infra process. */
  containerType?: 'container' | 'sandbox';
}

export function buildOciSpec(input: SpecInput): OciSpec {
  const { config, sandboxConfig, host } = input;
  const sc = config.linux?.securityContext;
  const podSc = sandboxConfig.linux?.securityContext;
  const privileged = sc?.privileged ?? false;
  if (privileged && !podSc?.privileged) {
    throw invalidArgument('cri', 'linux.security_context.privileged: the pod sandbox is not privileged');
  }

  const ns = buildNamespaces({ pod: podSc?.namespaceOptions, container: sc?.namespaceOptions, paths: input.namespaces, userns: input.userns, privileged, cgroupV2: host.cgroupV2 });
  const capabilities = computeCapabilities({ privileged, capabilities: sc?.capabilities, available: host.capabilities ?? ALL_CAPABILITIES });
  const readonlyRootfs = input.rootfs.readonly ?? sc?.readonlyRootfs ?? false;
  const podHostname = sandboxConfig.hostname;

  const env = processEnv({ config, image: input.image, hostname: podHostname || host.hostname });
  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: config.tty,
      user: user(input),
      args: processArgs(config, input.image),
      env: mergeEnv(env, input.cdi?.env ?? []),
      cwd: processCwd(config, input.image),
      capabilities,
      noNewPrivileges: (sc?.noNewPrivs ?? false) || input.forceNoNewPrivs === true,
    },
    root: { path: input.rootfs.path, readonly: readonlyRootfs },
    mounts: [],
    linux: { namespaces: ns.namespaces },
  };
  // runc 1.1 joins the user namespace by path but still needs the mappings (to find the host's root ID).
  if (input.userns) {
    spec.linux.uidMappings = ociMappings(input.userns.uids);
    spec.linux.gidMappings = ociMappings(input.userns.gids);
  }
  // The pod's UTS namespace already carries the hostname; setting it again keeps a
  // container correct even if it was changed. Not with the node's namespace.
  if (!ns.hostUts && podHostname) spec.hostname = podHostname;

  if (input.rlimits && input.rlimits.length > 0) spec.process.rlimits = input.rlimits.map((r) => ({ ...r }));
  const adj = oomScoreAdj(config.linux?.resources, host);
  if (adj !== undefined) spec.process.oomScoreAdj = adj;

  const apparmor = resolveApparmorProfile({ privileged, apparmor: sc?.apparmor, apparmorProfile: sc?.apparmorProfile ?? '', hostHasApparmor: host.hostHasApparmor });
  if (apparmor) spec.process.apparmorProfile = apparmor;
  const labels = selinuxLabels({ hostHasSelinux: host.hostHasSelinux, privileged, container: sc?.selinuxOptions, pod: podSc?.selinuxOptions, base: host.selinuxBaseLabels });
  if (labels.processLabel) spec.process.selinuxLabel = labels.processLabel;
  if (labels.mountLabel) spec.linux.mountLabel = labels.mountLabel;

  const mounts = buildMounts({
    mounts: config.mounts,
    podFiles: input.podFiles,
    privileged,
    readonlyRootfs,
    hostIpc: ns.hostIpc,
    resolvedHostPaths: input.resolvedHostPaths,
    imageMountSources: input.imageMountSources,
    rroSupported: host.rroSupported ?? false,
  });
  spec.mounts = [...mounts.mounts, ...(input.cdi?.mounts ?? []).map((m) => ({ ...m }))];
  if (mounts.rootfsPropagation) spec.linux.rootfsPropagation = mounts.rootfsPropagation;

  // A user namespace per pod: userns_options present with mode POD (0 is POD, so absence matters).
  const userns = podSc?.namespaceOptions?.usernsOptions;
  const paths = maskedAndReadonlyPaths({ privileged, maskedPaths: sc?.maskedPaths ?? [], readonlyPaths: sc?.readonlyPaths ?? [], podUserNamespace: userns !== undefined && userns.mode === 0 });
  if (paths.maskedPaths.length > 0) spec.linux.maskedPaths = paths.maskedPaths;
  if (paths.readonlyPaths.length > 0) spec.linux.readonlyPaths = paths.readonlyPaths;

  validateCriDevices(config.devices);
  const devices = buildDevices([...(input.devices ?? []), ...(input.cdi?.devices ?? [])], privileged);
  const resources = buildResources(config.linux?.resources, {
    cgroupV2: host.cgroupV2,
    swapController: host.swapController ?? false,
    hugetlbController: host.hugetlbController ?? false,
  });
  spec.linux.resources = { devices: devices.rules, ...resources };
  if (devices.devices.length > 0) spec.linux.devices = devices.devices;
  if (input.cgroupsPath) spec.linux.cgroupsPath = input.cgroupsPath;

  const sysctl = sysctls(input.sysctls ?? sandboxConfig.linux?.sysctls ?? {}, ns);
  if (Object.keys(sysctl).length > 0) spec.linux.sysctl = sysctl;

  if (!privileged && input.seccomp !== 'unconfined') {
    spec.linux.seccomp = specialiseSeccompProfile(input.seccomp, { capabilities: capabilities.bounding, arch: host.arch, kernel: host.kernel });
  }
  if (input.cdi?.hooks) spec.hooks = mergeHooks(input.cdi.hooks);
  spec.annotations = annotations(input);
  return spec;
}

function user(input: SpecInput): OciSpec['process']['user'] {
  const gids = new Set([...input.user.additionalGids, ...(input.cdi?.additionalGids ?? [])]);
  return { uid: input.user.uid, gid: input.user.gid, additionalGids: [...gids].sort((a, b) => a - b) };
}

/** Later KEY=value entries replace earlier ones in place. */
function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const out = new Map(base.map((e) => [e.slice(0, e.indexOf('=')), e]));
  for (const e of extra) {
    const eq = e.indexOf('=');
    if (eq > 0) out.set(e.slice(0, eq), e);
  }
  return [...out.values()];
}

function mergeHooks(h: OciHooks): OciHooks {
  const out: OciHooks = {};
  for (const [k, v] of Object.entries(h) as [keyof OciHooks, OciHooks[keyof OciHooks]][]) if (v && v.length > 0) out[k] = v.map((x) => ({ ...x }));
  return out;
}

/**
 * Only namespaced sysctls, and only for namespaces the container does not
 * share with the host (runc refuses the rest; RunPodSandbox checked them already).
 */
function sysctls(raw: Readonly<Record<string, string>>, ns: NamespaceResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = normalizeSysctlName(key);
    const kind = sysctlNamespace(name);
    const field = `sandbox_config.linux.sysctls["${key}"]`;
    if (!kind) throw invalidArgument('cri', `${field}: not a namespaced sysctl; it would change the whole node`);
    const shared = kind === 'net' ? ns.hostNetwork : kind === 'ipc' ? ns.hostIpc : ns.hostUts;
    if (shared) throw invalidArgument('cri', `${field}: the pod uses the node's ${kind} namespace`);
    out[name] = value;
  }
  return out;
}

const CRI_PREFIX = 'io.kubernetes.cri.';

/**
 * The container's CRI annotations (for hooks and the runtime), except
 * runc's systemd-property channel, then containerd's well-known keys.
 */
function annotations(input: SpecInput): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.config.annotations)) {
    if (k.startsWith('org.systemd.property.') || k.startsWith(CRI_PREFIX)) continue;
    out[k] = v;
  }
  const meta = input.sandboxConfig.metadata;
  out[`${CRI_PREFIX}container-type`] = input.containerType ?? 'container';
  out[`${CRI_PREFIX}sandbox-id`] = input.sandboxId;
  out[`${CRI_PREFIX}sandbox-name`] = meta?.name ?? '';
  out[`${CRI_PREFIX}sandbox-namespace`] = meta?.namespace ?? '';
  out[`${CRI_PREFIX}sandbox-uid`] = meta?.uid ?? '';
  out[`${CRI_PREFIX}container-name`] = input.config.metadata?.name ?? '';
  out[`${CRI_PREFIX}image-name`] = input.imageName ?? input.config.image?.image ?? '';
  return out;
}
