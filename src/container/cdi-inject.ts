// CDI for CreateContainer, the impure half: which devices a container asks
// for (CDI_devices and the cdi.k8s.io/ annotations), the spec files read from
// the configured directories (at each such create: a driver may have written
// one a moment ago), and the host facts the edits need — a device node's type
// and numbers, that mount sources and hook binaries exist. The result is the
// CdiEdits the pure buildOciSpec applies. Containers asking for no CDI device
// never touch the directories.
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerConfig } from '../api/gen/api.js';
import { BerthError, Code, errnoCode, errorMessage } from '../util/errors.js';
import { buildRegistry, resolveCdiDevices, type CdiRegistry, type CdiRequest } from './cdi-registry.js';
import { CDI_MAX_SPEC_BYTES, CdiSpecError, devicesFromAnnotations, parseCdiSpec, type CdiDeviceNode, type CdiSpec, type YamlModule } from './cdi-spec.js';
import type { OciHooks, OciMount } from './oci-spec-types.js';
import { splitDev } from './dev-numbers.js';
import type { CdiEdits, ResolvedDevice } from './spec.js';

/** The CDI devices a container requests, each with the request field naming it. */
export function cdiRequests(config: ContainerConfig): CdiRequest[] {
  return [
    ...config.CDIDevices.map((d, i) => ({ device: d.name, field: `CDI_devices[${i}].name` })),
    ...devicesFromAnnotations(config.annotations),
  ];
}

/** Reads every .json/.yaml spec in `dirs` (lowest priority first); bad files are kept as errors, never thrown. */
export async function loadCdiRegistry(dirs: readonly string[]): Promise<CdiRegistry> {
  const specs: { spec: CdiSpec; priority: number }[] = [];
  const invalid: CdiSpecError[] = [];
  let yaml: YamlModule | undefined;
  for (const [priority, dir] of dirs.entries()) {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') continue; // a missing directory defines nothing
      invalid.push(new CdiSpecError(dir, '', `cannot list the directory: ${errorMessage(e)}`));
      continue;
    }
    for (const name of names) {
      if (!name.endsWith('.json') && !name.endsWith('.yaml')) continue;
      const file = join(dir, name);
      try {
        const text = await readSpecFile(file);
        if (name.endsWith('.yaml')) yaml ??= await import('yaml');
        specs.push({ spec: parseCdiSpec(text, file, yaml), priority });
      } catch (e) {
        invalid.push(e instanceof CdiSpecError ? e : new CdiSpecError(file, '', errorMessage(e)));
      }
    }
  }
  return buildRegistry(specs, invalid);
}

/** A regular file of bounded size; a fifo or device planted as x.json must not block or flood berthd. */
async function readSpecFile(file: string): Promise<string> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new CdiSpecError(file, '', 'not a regular file');
    if (st.size > CDI_MAX_SPEC_BYTES) throw new CdiSpecError(file, '', `larger than ${CDI_MAX_SPEC_BYTES} bytes`);
    const buf = Buffer.alloc(CDI_MAX_SPEC_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > CDI_MAX_SPEC_BYTES) throw new CdiSpecError(file, '', `larger than ${CDI_MAX_SPEC_BYTES} bytes`);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * The CDI edits of a container, or undefined when it asks for none.
 * `user` is the container process's uid/gid: device nodes without an owner
 * get it (when not root), as the reference does, so the process can open them.
 */
export async function cdiEditsFor(config: ContainerConfig, dirs: readonly string[], user: { uid: number; gid: number }): Promise<CdiEdits | undefined> {
  const requests = cdiRequests(config);
  if (requests.length === 0) return undefined;
  if (dirs.length === 0) {
    throw new BerthError(Code.FailedPrecondition, 'cri', `${requests[0]?.field}: CDI devices are requested but CDI is off ([cdi] spec_dirs is empty)`);
  }
  const { edits, sources } = resolveCdiDevices(await loadCdiRegistry(dirs), requests);
  const where = sources.map((s) => `${s.request.field} "${s.request.device}" (${s.file})`).join(', ');
  const devices: ResolvedDevice[] = [];
  for (const node of edits.deviceNodes) devices.push(await deviceNodeOf(node, user, where));
  // A bind mount's source must exist now (the spec: resources are checked at run time); a
  // filesystem mount (tmpfs …) names no host path.
  for (const m of edits.mounts) if (isBindMount(m)) await mustExist(m.hostPath, `mount source "${m.hostPath}"`, where);
  for (const h of edits.hooks) await mustExist(h.path, `hook "${h.path}"`, where);
  const mounts: OciMount[] = edits.mounts.map((m) => {
    const out: OciMount = { destination: m.containerPath, source: m.hostPath };
    if (m.type) out.type = m.type;
    if (m.options) out.options = [...m.options];
    return out;
  });
  const hooks: OciHooks = {};
  for (const h of edits.hooks) {
    const { hookName, ...hook } = h;
    (hooks[hookName] ??= []).push(hook);
  }
  return { env: edits.env, devices, mounts, hooks, additionalGids: edits.additionalGids };
}

/** A bind mount (no filesystem type, or bind/rbind): its source is a host path. */
export function isBindMount(m: { type?: string; options?: string[] }): boolean {
  return !m.type || m.type === 'bind' || m.type === 'none' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

async function mustExist(path: string, what: string, where: string): Promise<void> {
  try {
    await lstat(path);
  } catch (e) {
    throw new BerthError(Code.FailedPrecondition, 'cri', `CDI ${where}: ${what}: ${errorMessage(e)}`);
  }
}

/** The reference's fillMissingInfo: type and numbers from the host node unless the spec gives them all. */
async function deviceNodeOf(node: CdiDeviceNode, user: { uid: number; gid: number }, where: string): Promise<ResolvedDevice> {
  const hostPath = node.hostPath ?? node.path;
  const complete = node.type !== undefined && (node.type === 'p' || (node.major ?? 0) !== 0);
  let host: { type: 'b' | 'c' | 'p'; major: number; minor: number; mode: number } | undefined;
  try {
    const st = await lstat(hostPath, { bigint: true });
    const type = st.isBlockDevice() ? 'b' : st.isCharacterDevice() ? 'c' : st.isFIFO() ? 'p' : undefined;
    if (!type) throw new Error('not a device node');
    host = { type, ...splitDev(st.rdev), mode: Number(st.mode & 0o7777n) };
  } catch (e) {
    if (!complete) throw new BerthError(Code.FailedPrecondition, 'cri', `CDI ${where}: device node "${hostPath}": ${errorMessage(e)}`);
  }
  let type = node.type ?? host?.type;
  if (!complete && host && node.type !== undefined && node.type !== host.type && !(node.type === 'u' && host.type === 'c')) {
    throw new BerthError(Code.FailedPrecondition, 'cri', `CDI ${where}: device node "${hostPath}" is type ${host.type} on the host, the spec says ${node.type}`);
  }
  type ??= 'c';
  const out: ResolvedDevice = {
    path: node.path,
    type,
    major: complete ? (node.major ?? 0) : (host?.major ?? 0),
    minor: complete ? (node.minor ?? 0) : (host?.minor ?? 0),
    permissions: node.permissions ?? '',
  };
  const mode = node.fileMode ?? host?.mode;
  if (mode !== undefined) out.fileMode = mode;
  const uid = node.uid ?? (user.uid > 0 ? user.uid : undefined);
  const gid = node.gid ?? (user.gid > 0 ? user.gid : undefined);
  if (uid !== undefined) out.uid = uid;
  if (gid !== undefined) out.gid = gid;
  return out;
}
