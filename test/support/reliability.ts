// Shared by the reliability suites (crash-*, churn, faults, fuzz, concurrency,
// security): a berthd on a private CNI network, the kubelet's calls as short
// helpers, failpoint crashes, and one leak check that looks at the machine —
// mounts, pins, host-local files, cgroups, conmon processes, runc state,
// iptables, records, blobs and layers — scoped to this daemon's directories
// and ids, since other suites may run on the same host.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerConfig, ContainerState, PodSandboxConfig } from '../../src/api/gen/api.js';
import {
  ContainerStatus,
  CreateContainer,
  ListContainers,
  ListPodSandbox,
  PullImage,
  RemoveContainer,
  RemovePodSandbox,
  RunPodSandbox,
  StartContainer,
} from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { makeTestDir, restartDaemon, startDaemon, waitFor, type TestDaemon } from './daemon.js';
import { DEFAULT_IMAGE_DIR, type StandardImages } from './images/build.js';
import { makeTestNetwork, podConfig, sh, type NetworkOptions, type TestNetwork } from './pod-net.js';
import { imageRef, seedRegistry } from './registry/push.js';
import { startRegistry, type RunningRegistry } from './registry/registry.js';

export interface Registry {
  reg: RunningRegistry;
  images: StandardImages;
  busybox: string;
  layered: string;
}

export async function startTestRegistry(): Promise<Registry> {
  const reg = await startRegistry({ auth: 'none' });
  const images = await seedRegistry(reg, DEFAULT_IMAGE_DIR);
  return { reg, images, busybox: imageRef(reg.host, images.busybox), layered: imageRef(reg.host, images.layered) };
}

export interface Node {
  d: TestDaemon;
  net: TestNetwork;
  /** Pods' log directories live below it. */
  logDir: string;
  /** Ids of pods and containers seen on disk before a crash: the leak check looks for them host-wide. */
  ids: Set<string>;
}

export interface NodeOptions {
  env?: NodeJS.ProcessEnv;
  /** TOML after the network lines (may open other tables). */
  toml?: string;
  net?: NetworkOptions;
}

export async function startNode(o: NodeOptions = {}): Promise<Node> {
  const dir = await makeTestDir('berth-rel-');
  const net = await makeTestNetwork(dir, o.net);
  const d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: `${net.toml}${o.toml ?? ''}`, env: o.env });
  return { d, net, logDir: join(dir, 'logs'), ids: new Set() };
}

/** Removes every pod (and so container) still there, stops berthd, deletes the network and directories. */
export async function stopNode(n: Node | undefined): Promise<void> {
  if (!n) return;
  if (n.d.proc.exitCode === null && n.d.proc.signalCode === null) {
    const pods = await n.d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
    for (const p of pods.items) await n.d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
  }
  await n.d.cleanup();
  await n.net.cleanup();
}

/** The set-up most suites share: a seeded registry and a node with busybox pulled. */
export async function startStack(): Promise<{ reg: Registry; n: Node }> {
  const reg = await startTestRegistry();
  const n = await startNode();
  await n.d.client.call(PullImage, { image: { image: reg.busybox } });
  return { reg, n };
}

export async function stopStack(reg: Registry | undefined, n: Node | undefined): Promise<void> {
  await stopNode(n);
  await reg?.reg.stop();
}

// ---- the kubelet's calls ------------------------------------------------

export function podConfigFor(n: Node, name: string, over: Record<string, unknown> = {}): PodSandboxConfig {
  return podConfig(name, { logDirectory: join(n.logDir, name), ...over });
}

export async function runPod(n: Node, config: PodSandboxConfig): Promise<string> {
  return (await n.d.client.call(RunPodSandbox, { config })).podSandboxId;
}

export function ctrConfig(image: string, name: string, cmd: string[] = ['sleep', '1000'], over: Record<string, unknown> = {}): ContainerConfig {
  return ContainerConfig.fromJSON({ metadata: { name, attempt: 0 }, image: { image }, command: cmd, logPath: `${name}/0.log`, ...over });
}

export async function createCtr(n: Node, podId: string, pod: PodSandboxConfig, config: ContainerConfig): Promise<string> {
  return (await n.d.client.call(CreateContainer, { podSandboxId: podId, config, sandboxConfig: pod })).containerId;
}

export async function createAndStart(n: Node, podId: string, pod: PodSandboxConfig, config: ContainerConfig): Promise<string> {
  const id = await createCtr(n, podId, pod, config);
  await n.d.client.call(StartContainer, { containerId: id });
  return id;
}

export async function containerState(n: Node, id: string): Promise<ContainerState | undefined> {
  try {
    return (await n.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status?.state;
  } catch (e) {
    if (e instanceof GrpcStatusError && e.grpcCode === Code.NotFound) return undefined;
    throw e;
  }
}

export async function containerIds(n: Node): Promise<string[]> {
  return (await n.d.client.call(ListContainers, {})).containers.map((c) => c.id);
}

/** Removes every container, then every pod. */
export async function removeAll(n: Node): Promise<void> {
  for (const id of await containerIds(n)) await n.d.client.call(RemoveContainer, { containerId: id });
  for (const p of (await n.d.client.call(ListPodSandbox, {})).items) await n.d.client.call(RemovePodSandbox, { podSandboxId: p.id });
}

export function assertGrpcError(e: unknown, code: Code, re?: RegExp): void {
  assert.ok(e instanceof GrpcStatusError, `expected a gRPC error, got ${String(e)}`);
  assert.equal(e.grpcCode, code, `${Code[e.grpcCode]}: ${e.details}`);
  if (re) assert.match(e.details, re);
}

// ---- crashes ------------------------------------------------------------

function exited(d: TestDaemon): Promise<void> {
  if (d.proc.exitCode !== null || d.proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => d.proc.once('exit', () => r()));
}

/** Restarts berthd with the failpoint armed (SIGTERM first), so the next call that reaches it crashes berthd. */
export async function armFailpoint(n: Node, point: string, action: 'kill' | 'error' = 'kill'): Promise<void> {
  await n.d.stop();
  n.d = await restartDaemon(n.d, { BERTH_FAILPOINTS: `${point}=${action}` });
}

/**
 * Runs `call` against a berthd armed at `point`, expects berthd to die there
 * by SIGKILL, and restarts it unarmed. Returns what the call settled with.
 */
export async function crashAt(n: Node, point: string, call: () => Promise<unknown>): Promise<unknown> {
  const settled = call().then(
    (v: unknown) => ({ ok: v }),
    (e: unknown) => ({ err: e }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited(n.d), new Promise((r) => (timer = setTimeout(r, 60_000)))]);
  clearTimeout(timer);
  assert.equal(n.d.proc.signalCode, 'SIGKILL', `berthd did not die at ${point}: ${n.d.logs().slice(-2000)}`);
  assert.match(n.d.logs(), new RegExp(`failpoint ${point.replace(/\./g, '\\.')}: kill`));
  const result = await settled;
  assert.ok('err' in result, `the call answered although berthd died at ${point}`);
  n.d.client.close();
  // The dead daemon's intent records name what it was making (the call never answered with an id).
  for (const dir of [join(n.d.root, 'pods'), join(n.d.root, 'meta', 'containers')]) {
    for (const f of await ls(dir)) if (f.endsWith('.json')) n.ids.add(f.slice(0, -'.json'.length));
  }
  n.d = await restartDaemon(n.d);
  return result.err;
}

// ---- leak check ---------------------------------------------------------

async function ls(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [])).filter((n) => !n.startsWith('.'));
}

async function procCmdlines(): Promise<{ pid: number; cmd: string }[]> {
  const out: { pid: number; cmd: string }[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    if (cmd) out.push({ pid: Number(p), cmd: cmd.replace(/\0/g, ' ') });
  }
  return out;
}

/** cgroup directories under any controller's berth parent whose name holds one of `ids`. */
export async function cgroupsOf(ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found: string[] = [];
  for (const ctrl of await ls('/sys/fs/cgroup')) {
    for (const parent of [join('/sys/fs/cgroup', ctrl, 'berth'), join('/sys/fs/cgroup', ctrl)]) {
      for (const name of await ls(parent)) if (ids.some((id) => name.includes(id))) found.push(join(parent, name));
    }
  }
  return found;
}

/** Processes (conmon, runc, catatonit, container processes via their args) that mention this daemon's state dir. */
export async function processesOf(n: Node): Promise<string[]> {
  return (await procCmdlines()).filter((p) => p.cmd.includes(n.d.state) && p.pid !== n.d.proc.pid).map((p) => `${p.pid}: ${p.cmd.slice(0, 160)}`);
}

/** Layers, blobs and tmp entries of the image store that no image record names. */
export async function imageGarbage(d: TestDaemon): Promise<string[]> {
  const base = join(d.root, 'image');
  const layers = new Set<string>();
  const blobs = new Set<string>();
  for (const f of await ls(join(base, 'images'))) {
    const r = JSON.parse(await readFile(join(base, 'images', f), 'utf8')) as { layers: { chainId: string }[]; blobs: string[] };
    for (const l of r.layers) layers.add(l.chainId.slice(7));
    for (const b of r.blobs) blobs.add(b.slice(7));
  }
  const out: string[] = [];
  for (const l of await ls(join(base, 'layers'))) if (!layers.has(l)) out.push(`layer ${l}`);
  for (const b of await ls(join(base, 'blobs', 'sha256'))) if (!blobs.has(b)) out.push(`blob ${b}`);
  for (const t of await ls(join(base, 'tmp'))) out.push(`tmp ${t}`);
  return out;
}

/**
 * Everything a pod or container of this daemon could leave on the machine,
 * for a daemon that should hold no pod and no container now. `ids` (pods and
 * containers seen during the test) widen the host-wide checks (cgroups, iptables).
 */
export async function leftovers(n: Node, seen: readonly string[] = []): Promise<string[]> {
  const { d, net } = n;
  const ids = [...new Set([...seen, ...n.ids])];
  const out: string[] = [];
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of mountinfo.split('\n')) {
    const point = line.split(' ')[4];
    if (!point) continue;
    // <state>/ns is berthd's own private mount; --root or --state may be file systems of their own.
    const own = [join(d.state, 'ns'), d.root, d.state].includes(point);
    if ((point.startsWith(`${d.dir}/`) && !own) || ids.some((id) => line.includes(id))) out.push(`mount ${point}`);
  }
  for (const kind of ['net', 'ipc', 'uts']) for (const f of await ls(join(d.state, 'ns', kind))) out.push(`pin ${kind}/${f}`);
  const stateDirs = ['pods', 'containers', 'exits', 'infra-exits', 'runc', 'crun', 'sockets'];
  for (const s of stateDirs) for (const f of await ls(join(d.state, s))) out.push(`state ${s}/${f}`);
  for (const f of await ls(join(d.root, 'pods'))) out.push(`pod record ${f}`);
  for (const f of await ls(join(d.root, 'meta', 'containers'))) out.push(`container record ${f}`);
  for (const f of await ls(join(d.root, 'containers'))) out.push(`container layer ${f}`);
  for (const a of await net.allocations()) out.push(`host-local ${a}`);
  for (const c of await cgroupsOf(ids)) out.push(`cgroup ${c}`);
  for (const p of await processesOf(n)) out.push(`process ${p}`);
  const nat = (await sh('iptables', ['-t', 'nat', '-S'])).stdout.split('\n');
  const chains = ids.flatMap((id) => cniChains(net.name, id));
  for (const r of nat) if (r.includes(`"${net.name}"`) || ids.some((id) => r.includes(id)) || chains.some((c) => r.includes(c))) out.push(`iptables ${r}`);
  for (const g of await imageGarbage(d)) out.push(`image ${g}`);
  return out;
}

/** The chains bridge (ipMasq) and portmap make for a pod: the CNI's utils.MustFormatChainNameWithPrefix. */
export function cniChains(network: string, podId: string): string[] {
  const hex = createHash('sha512').update(network + podId).digest('hex');
  return [`CNI-${hex}`.slice(0, 28), `CNI-DN-${hex}`.slice(0, 28)];
}

/** Waits (conmon and the CNI's processes leave asynchronously) until nothing is left, else fails listing it. */
export async function assertClean(n: Node, ids: readonly string[] = [], ms = 10_000): Promise<void> {
  let left: string[] = [];
  await waitFor(async () => (left = await leftovers(n, ids)).length === 0, ms, () => `left behind:\n  ${left.join('\n  ')}`);
}
