// The impure half of spec generation: everything buildOciSpec needs that
// comes from the filesystem — the image's /etc/passwd and /etc/group (read
// inside the rootfs without following links out of it), device numbers, host
// paths of bind mounts (symlinks resolved, missing ones created as
// containerd does), the seccomp profile — then the pure buildOciSpec.
import { lstat, mkdir, readFile, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerConfig, Device } from '../api/gen/api.js';
import type { HandlerFeatures } from '../oci/runtime-features.js';
import { BerthError, Code, errnoCode, errorMessage, invalidArgument } from '../util/errors.js';

import type { PrepareSpec, PreparedSpec } from './manager.js';

import { DEFAULT_SECCOMP_PROFILE } from './seccomp-default.js';
import { parseSeccompProfile, type SeccompProfile } from './seccomp-profile.js';
import { buildOciSpec, confinementWhenUnset, resolveSeccompChoice, resolveStopSignal, type HostFacts, type ResolvedDevice } from './spec.js';
import { resolveUser } from './user.js';
import { idmapVolumes } from './rootfs.js';
import type { ContainerPaths } from './paths.js';
import { splitDev } from './dev-numbers.js';
import { cdiEditsFor, isBindMount } from './cdi-inject.js';

export { splitDev } from './dev-numbers.js';

export interface SpecEnvironment {
  host: HostFacts;
  /** linux.cgroupsPath of a container in a pod with this cgroup parent (src/cgroups). */
  cgroupsPath(podParent: string, id: string): string;
  /** [runtime] seccomp_use_default_when_empty / no_new_privs_when_empty. */
  whenSeccompUnset: { seccompDefault: boolean; noNewPrivsDefault: boolean };
  /** At create: the AppArmor profile the spec names, checked against what is loaded (oci/apparmor.ts). */
  apparmorProfile(profile: string | undefined, field: string): Promise<string | undefined>;
  /** The pid of a container in this daemon, for NamespaceMode TARGET. */
  pidOf(containerId: string): number | undefined;
  /** What the pod's runtime handler supports (Status advertises the same); default: env.host's rroSupported. */
  handlerFeatures?(handler: string): HandlerFeatures;
  /** [cdi] spec_dirs, lowest priority first; empty or absent: CDI is off. */
  cdiSpecDirs?: readonly string[];
}

export function specPreparer(env: SpecEnvironment): PrepareSpec {
  return async ({ id, config, sandboxConfig, pod, image, paths, imageMountSources }) => {
    const sandbox = sandboxConfig ?? pod.config;
    const sc = config.linux?.securityContext;
    const privileged = sc?.privileged ?? false;
    const [passwd, group] = await Promise.all([readInRootfs(paths.rootfs, 'etc/passwd'), readInRootfs(paths.rootfs, 'etc/group')]);
    const user = resolveUser({
      runAsUser: sc?.runAsUser?.value,
      runAsUsername: sc?.runAsUsername || undefined,
      runAsGroup: sc?.runAsGroup?.value,
      imageUser: image.config.User ?? '',
      supplementalGroups: sc?.supplementalGroups ?? [],
      supplementalGroupsPolicy: sc?.supplementalGroupsPolicy ?? 0,
      passwd,
      group,
    });
    // CDI devices (CDI_devices, cdi.k8s.io/ annotations) → device nodes, mounts, env, hooks, groups.
    const cdi = await cdiEditsFor(config, env.cdiSpecDirs ?? [], user);
    const policy = confinementWhenUnset({ privileged, securityContext: sc, ...env.whenSeccompUnset });
    const seccomp = await loadSeccomp(resolveSeccompChoice({ privileged, seccomp: sc?.seccomp, seccompProfilePath: sc?.seccompProfilePath ?? '', whenUnset: policy.whenUnset }));
    const devices = privileged ? await hostDevices() : await resolveDevices(config.devices);
    const resolvedHostPaths = await resolveMountSources(config);
    if (pod.userns && pod.namespaces.user) {
      // CDI bind mounts are volumes too: idmapped clones like the CRI mounts, in the same directory.
      const cdiBinds = (cdi?.mounts ?? []).filter((m) => m.source !== undefined && isBindMount(m));
      const clones = await idmapMountSources(config, resolvedHostPaths, paths, pod.namespaces.user, cdiBinds.map((m) => m.source as string));
      for (const m of cdiBinds) m.source = clones.get(m.source as string) ?? m.source;
    }
    const targetPid = targetNamespace(config, env);
    const cgroupsPath = env.cgroupsPath(pod.cgroupParent, id);
    const spec = buildOciSpec({
      id,
      sandboxId: pod.id,
      config,
      sandboxConfig: sandbox,
      image: image.config,
      rootfs: { path: paths.rootfs },
      user,
      namespaces: { ...pod.namespaces, targetPid },
      userns: pod.userns,
      podFiles: pod.files,
      cgroupsPath,
      host: env.handlerFeatures ? { ...env.host, rroSupported: env.handlerFeatures(pod.runtimeHandler).recursiveReadOnlyMounts } : env.host,
      seccomp,
      forceNoNewPrivs: policy.forceNoNewPrivs,
      devices,
      resolvedHostPaths,
      imageMountSources,
      ...(cdi ? { cdi } : {}),
    });
    if (spec.process) {
      const profile = await env.apparmorProfile(spec.process.apparmorProfile, 'linux.security_context.apparmor');
      if (profile) spec.process.apparmorProfile = profile;
      else delete spec.process.apparmorProfile;
    }
    const prepared: PreparedSpec = {
      spec,
      // The process's groups as written (CDI may add some): what ContainerStatus.user reports.
      user: { uid: spec.process.user.uid, gid: spec.process.user.gid, additionalGids: [...(spec.process.user.additionalGids ?? [])] },
      stopSignal: resolveStopSignal(config.stopSignal, image.config.StopSignal),
      resources: spec.linux?.resources ?? {},
      cgroupsPath,
    };
    return prepared;
  };
}

function targetNamespace(config: ContainerConfig, env: SpecEnvironment): string | undefined {
  const target = config.linux?.securityContext?.namespaceOptions?.targetId;
  if (!target) return undefined;
  const pid = env.pidOf(target);
  if (!pid) throw invalidArgument('cri', `linux.security_context.namespace_options.target_id: container "${target}" is not running`);
  return `/proc/${pid}/ns/pid`;
}

/** Reads a file of the image without following symlinks (a link could point at the host's files). */
async function readInRootfs(rootfs: string, rel: string): Promise<string | undefined> {
  const p = join(rootfs, rel);
  try {
    const st = await lstat(p);
    if (!st.isFile()) return undefined;
    return await readFile(p, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw new BerthError(Code.Internal, 'storage', `cannot read ${rel} of the image: ${errorMessage(e)}`);
  }
}

async function loadSeccomp(choice: ReturnType<typeof resolveSeccompChoice>): Promise<SeccompProfile | 'unconfined'> {
  switch (choice.kind) {
    case 'unconfined':
      return 'unconfined';
    case 'runtime-default':
      return DEFAULT_SECCOMP_PROFILE;
    case 'localhost': {
      let text: string;
      try {
        text = await readFile(choice.path, 'utf8');
      } catch (e) {
        throw invalidArgument('cri', `seccomp profile ${choice.path}: cannot read: ${errorMessage(e)}`);
      }
      return parseSeccompProfile(text, choice.path);
    }
  }
}

async function deviceAt(hostPath: string, containerPath: string, permissions: string): Promise<ResolvedDevice | undefined> {
  const st = await stat(hostPath, { bigint: true });
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : st.isFIFO() ? 'p' : undefined;
  if (!type) return undefined;
  const { major, minor } = splitDev(st.rdev);
  return { path: containerPath, type, major, minor, fileMode: Number(st.mode & 0o777n), uid: Number(st.uid), gid: Number(st.gid), permissions };
}

/** CRI devices: a device node, or a directory of them (each mapped below container_path). */
async function resolveDevices(devices: readonly Device[]): Promise<ResolvedDevice[]> {
  const out: ResolvedDevice[] = [];
  for (const [i, d] of devices.entries()) {
    const field = `devices[${i}]`;
    let st;
    try {
      st = await stat(d.hostPath);
    } catch (e) {
      throw invalidArgument('cri', `${field}.host_path: "${d.hostPath}": ${errorMessage(e)}`);
    }
    const perms = d.permissions || 'rwm';
    if (st.isDirectory()) {
      for (const name of await readdir(d.hostPath)) {
        const dev = await deviceAt(join(d.hostPath, name), join(d.containerPath, name), perms).catch(() => undefined);
        if (dev) out.push(dev);
      }
      continue;
    }
    const dev = await deviceAt(d.hostPath, d.containerPath, perms);
    if (!dev) throw invalidArgument('cri', `${field}.host_path: "${d.hostPath}" is not a device`);
    out.push(dev);
  }
  return out;
}

/** Every device node under /dev (privileged containers get them all), skipping ptys and the console. */
async function hostDevices(): Promise<ResolvedDevice[]> {
  const out: ResolvedDevice[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const ent of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) {
        if (p === '/dev/pts' || p === '/dev/shm' || p === '/dev/mqueue') continue;
        await walk(p).catch(() => undefined);
      } else if (ent.isCharacterDevice() || ent.isBlockDevice()) {
        if (p === '/dev/console' || p === '/dev/ptmx') continue;
        const dev = await deviceAt(p, p, 'rwm').catch(() => undefined);
        if (dev) out.push(dev);
      }
    }
  };
  await walk('/dev');
  return out;
}

/**
 * In a user-namespaced pod every volume is an idmapped clone of its source,
 * so files keep their on-disk owners and the container's root sees the
 * volume's root-owned files as its own (nothing is chowned). The clone is
 * private: propagation to or from the host cannot cross it.
 */
/** Idmapped clones of the CRI mounts' sources (rewritten in `resolved`) and of `extra` host paths (CDI); returns extra path → clone. */
async function idmapMountSources(config: ContainerConfig, resolved: Record<string, string>, paths: ContainerPaths, usernsPin: string, extra: readonly string[] = []): Promise<Map<string, string>> {
  const sources: { path: string; isDir: boolean }[] = [];
  for (const [i, m] of config.mounts.entries()) {
    if (m.propagation !== 0) throw invalidArgument('cri', `mounts[${i}].propagation: only PROPAGATION_PRIVATE in a pod with a user namespace (the volume is an idmapped clone)`);
    if (m.uidMappings.length > 0 || m.gidMappings.length > 0) throw invalidArgument('cri', `mounts[${i}].uidMappings: per-mount mappings are not supported; volumes take the pod's user namespace mappings`);
    const real = resolved[m.hostPath];
    if (real === undefined) continue;
    sources.push({ path: real, isDir: (await stat(real)).isDirectory() });
  }
  const extraReal = new Map<string, string>();
  for (const p of extra) {
    const real = await realpath(p);
    extraReal.set(p, real);
    sources.push({ path: real, isDir: (await stat(real)).isDirectory() });
  }
  const clones = await idmapVolumes(paths, usernsPin, sources);
  for (const [hostPath, real] of Object.entries(resolved)) {
    const clone = clones.get(real);
    if (clone) resolved[hostPath] = clone;
  }
  const out = new Map<string, string>();
  for (const [p, real] of extraReal) {
    const clone = clones.get(real);
    if (clone) out.set(p, clone);
  }
  return out;
}

/** host_path → real path; a missing source is created as a directory (containerd's behaviour). */
async function resolveMountSources(config: ContainerConfig): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [i, m] of config.mounts.entries()) {
    if (m.image && m.image.image !== '') continue; // an image volume: its source is the mounted image
    if (!m.hostPath) throw invalidArgument('cri', `mounts[${i}].host_path: empty`);
    if (!m.hostPath.startsWith('/')) throw invalidArgument('cri', `mounts[${i}].host_path: "${m.hostPath}" must be absolute`);
    try {
      out[m.hostPath] = await realpath(m.hostPath);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw invalidArgument('cri', `mounts[${i}].host_path: "${m.hostPath}": ${errorMessage(e)}`);
      await mkdir(m.hostPath, { recursive: true, mode: 0o755 });
      out[m.hostPath] = await realpath(m.hostPath);
    }
  }
  return out;
}

