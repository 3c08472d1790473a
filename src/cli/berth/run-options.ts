// `berth run` flags → RunOptions: plain data, validated before any call to
// the runtime, stored on the container (so start/restart can make it again
// and inspect/port can show it).
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../common/cli-context.js';
import { bool, str, strs } from './args.js';
import { formatCpuList, parseCpuList } from './cpuset.js';
import { parseDockerCpus, parseDockerMemory } from './units.js';
import type { FlagValues } from './verb.js';

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

export interface PortMapping {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: PortProtocol;
}

export interface VolumeMount {
  hostPath: string;
  containerPath: string;
  readonly: boolean;
}

export interface RunOptions {
  name: string;
  /** The image as the user wrote it. */
  image: string;
  /** --entrypoint (replaces the image's ENTRYPOINT); undefined = the image's. */
  entrypoint?: string[];
  /** COMMAND [ARG...] (replaces the image's CMD); empty = the image's. */
  cmd: string[];
  env: { key: string; value: string }[];
  ports: PortMapping[];
  volumes: VolumeMount[];
  labels: Record<string, string>;
  cpuMillis?: number;
  memoryBytes?: number;
  cpusetCpus?: string;
  user?: string;
  workdir?: string;
  hostname?: string;
  tty: boolean;
  stdin: boolean;
  /** Close the container's stdin when the first attached client closes it (foreground -i). */
  stdinOnce: boolean;
  autoRemove: boolean;
  detach: boolean;
}

export interface RunInputs {
  flags: FlagValues;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  cpusOnNode: number;
}

export function parseRunOptions(inp: RunInputs): RunOptions {
  const { flags } = inp;
  const [image, ...cmd] = inp.args;
  if (!image) throw new UsageError("run: an IMAGE is required; see 'berth run --help'");
  const name = str(flags, 'name') ?? '';
  if (name && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new UsageError(`run: invalid container name "${name}": use letters, digits, _ . - (not first)`);
  if (name.length > 63) throw new UsageError(`run: container name "${name}" is longer than 63 characters`);
  const detach = bool(flags, 'detach');
  const stdin = bool(flags, 'interactive');
  const o: RunOptions = {
    name,
    image,
    cmd,
    env: strs(flags, 'env').map((e) => parseEnv(e, inp.env)),
    ports: strs(flags, 'publish').map(parsePort),
    volumes: strs(flags, 'volume').map((v) => parseVolume(v, inp.cwd)),
    labels: Object.fromEntries(strs(flags, 'label').map(parseLabel)),
    tty: bool(flags, 'tty'),
    stdin,
    stdinOnce: stdin && !detach,
    autoRemove: bool(flags, 'rm'),
    detach,
  };
  const entrypoint = str(flags, 'entrypoint');
  if (entrypoint !== undefined) o.entrypoint = entrypoint === '' ? [] : [entrypoint];
  try {
    const cpus = str(flags, 'cpus');
    if (cpus !== undefined) o.cpuMillis = parseDockerCpus(cpus, inp.cpusOnNode);
    const memory = str(flags, 'memory');
    if (memory !== undefined) o.memoryBytes = parseDockerMemory(memory);
    const cpuset = str(flags, 'cpuset-cpus');
    if (cpuset !== undefined) o.cpusetCpus = formatCpuList(parseCpuList(cpuset));
  } catch (e) {
    throw new UsageError(`run: ${(e as Error).message}`);
  }
  for (const [flag, key] of [['user', 'user'], ['workdir', 'workdir'], ['hostname', 'hostname']] as const) {
    const v = str(flags, flag);
    if (v !== undefined) o[key] = v;
  }
  if (o.workdir !== undefined && !o.workdir.startsWith('/')) throw new UsageError(`run: --workdir "${o.workdir}" must be an absolute path`);
  if (o.user !== undefined) parseUser(o.user);
  const seen = new Set<string>();
  for (const p of o.ports) {
    const key = `${p.hostIp}:${p.hostPort}/${p.protocol}`;
    if (seen.has(key)) throw new UsageError(`run: host port ${key} is published twice`);
    seen.add(key);
  }
  return o;
}

/** K=V, or K alone to take the value from this environment (docker: unset → left out). */
export function parseEnv(text: string, env: NodeJS.ProcessEnv): { key: string; value: string } {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  if (!key) throw new UsageError(`run: invalid environment variable "${text}": use KEY=VALUE`);
  return { key, value: eq < 0 ? (env[key] ?? '') : text.slice(eq + 1) };
}

function parseLabel(text: string): [string, string] {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  if (!key || key.startsWith('io.berth.')) throw new UsageError(`run: invalid label "${text}": use KEY=VALUE (io.berth.* is berth's own)`);
  return [key, eq < 0 ? '' : text.slice(eq + 1)];
}

/** [hostIp:]hostPort:containerPort[/proto]; the CNI portmap plugin needs a host port. */
export function parsePort(text: string): PortMapping {
  const [spec, protoText = 'tcp', ...more] = text.split('/');
  const protocol = protoText.toLowerCase();
  if (more.length || (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp')) {
    throw new UsageError(`run: invalid port "${text}": the protocol must be tcp, udp or sctp`);
  }
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(\d+)?:(\d+)$/.exec(spec ?? '');
  if (!m || m[2] === undefined) {
    if (/^\d+$/.test(spec ?? '')) throw new UsageError(`run: -p ${text} needs a host port: write -p HOSTPORT:${spec} (berth publishes through CNI portmap, which picks no port itself)`);
    throw new UsageError(`run: invalid port "${text}": use HOSTPORT:CONTAINERPORT[/PROTO] or IP:HOSTPORT:CONTAINERPORT`);
  }
  const hostPort = Number(m[2]);
  const containerPort = Number(m[3]);
  for (const [what, n] of [['host', hostPort], ['container', containerPort]] as const) {
    if (n < 1 || n > 65535) throw new UsageError(`run: invalid ${what} port ${n} in "${text}": ports are 1-65535`);
  }
  return { hostIp: (m[1] ?? '').replace(/^\[|\]$/g, ''), hostPort, containerPort, protocol };
}

/** HOST:CONTAINER[:ro|rw]; the host path absolute or ./relative (named volumes do not exist here). */
export function parseVolume(text: string, cwd: string): VolumeMount {
  const parts = text.split(':');
  let mode = 'rw';
  if (parts.length === 3) mode = parts.pop() as string;
  if (parts.length !== 2 || (mode !== 'ro' && mode !== 'rw')) throw new UsageError(`run: invalid volume "${text}": use HOST-PATH:CONTAINER-PATH[:ro]`);
  const [host, ctr] = parts as [string, string];
  if (!host.startsWith('/') && !host.startsWith('.')) {
    throw new UsageError(`run: "${host}" is not a host path: berth has no named volumes; bind a directory (/path or ./path)`);
  }
  if (!isAbsolute(ctr)) throw new UsageError(`run: the container path "${ctr}" in "${text}" must be absolute`);
  return { hostPath: resolve(cwd, host), containerPath: ctr, readonly: mode === 'ro' };
}

export interface UserSpec {
  uid?: number;
  username?: string;
  gid?: number;
}

/** uid[:gid] or name[:gid]; the CRI has no group names. */
export function parseUser(text: string): UserSpec {
  const [u, g, ...more] = text.split(':');
  if (!u || more.length) throw new UsageError(`run: invalid --user "${text}": use UID[:GID] or NAME[:GID]`);
  const out: UserSpec = /^\d+$/.test(u) ? { uid: Number(u) } : { username: u };
  if (g !== undefined) {
    if (!/^\d+$/.test(g)) throw new UsageError(`run: --user "${text}": the group must be a numeric GID (the CRI takes no group names)`);
    out.gid = Number(g);
  }
  return out;
}
