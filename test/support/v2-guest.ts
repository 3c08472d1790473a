// Support for the cgroup-v2 guest tests (test/v2/, run by scripts/vm/run.sh
// inside a Debian guest with systemd as PID 1): a berthd per cgroup driver on
// the shared reliability node set-up, pod configs as the kubelet sends them
// for each driver, and direct reads of what the kernel and systemd say —
// /proc/PID/cgroup, the v2 interface files, `systemctl` — so the tests assert
// real effects rather than what berthd reports about itself.
import assert from 'node:assert/strict';
import { readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PodSandboxConfig, SecurityProfile_ProfileType } from '../../src/api/gen/api.js';
import { ContainerStatus, PullImage } from '../../src/api/methods.js';
import { startNode, stopNode, startTestRegistry, type Node, type Registry } from './reliability.js';
import { podConfig, sh } from './pod-net.js';

export type Driver = 'cgroupfs' | 'systemd';
export const DRIVERS: readonly Driver[] = ['cgroupfs', 'systemd'];
export const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * Refuses to run anywhere but the guest: these tests write cgroups at the
 * root of the hierarchy and talk to systemd, which the host must never see.
 */
export async function assertV2Guest(): Promise<void> {
  const fsType = (await sh('stat', ['-fc', '%T', CGROUP_ROOT])).stdout.trim();
  assert.equal(fsType, 'cgroup2fs', 'test/v2 runs only in the cgroup-v2 guest (npm run test:v2)');
  assert.equal((await readFile('/proc/1/comm', 'utf8')).trim(), 'systemd', 'PID 1 is systemd');
}

/**
 * The cgroup tests ask for no AppArmor profile (Unconfined) so they test
 * cgroups only: the guest kernel has AppArmor enabled, and Berth's default
 * profile handling has its own tests (apparmor-*.test.ts). Unconfined is a
 * real, always-loaded profile; nothing about cgroups depends on it.
 */
export const CGROUP_TEST_SECURITY = { apparmor: { profileType: SecurityProfile_ProfileType.Unconfined, localhostRef: '' } };

export interface V2Stack {
  reg: Registry;
  n: Node;
  driver: Driver;
}

let sharedRegistry: Promise<Registry> | undefined;

/**
 * One registry with the standard images per test file (each stack used to
 * seed its own: ~10 s a time under TCG). Files stop it in a top-level
 * `after(stopSharedRegistry)`: its process would keep the file's alive.
 */
function registry(): Promise<Registry> {
  if (!sharedRegistry) {
    sharedRegistry = startTestRegistry();
    sharedRegistry.catch(() => (sharedRegistry = undefined));
  }
  return sharedRegistry;
}

export async function stopSharedRegistry(): Promise<void> {
  const r = sharedRegistry;
  sharedRegistry = undefined;
  await (await r?.catch(() => undefined))?.reg.stop();
}

/** The process's registry with the standard images and a berthd using `driver`, busybox pulled. */
export async function startV2Stack(driver: Driver, extraToml = ''): Promise<V2Stack> {
  await assertV2Guest();
  const reg = await registry();
  const n = await startNode({ toml: `\n[runtime]\ncgroup_manager = "${driver}"\n${extraToml}` });
  await n.d.client.call(PullImage, { image: { image: reg.busybox } });
  return { reg, n, driver };
}

/** Stops berthd and removes its pods and directories; the shared registry stays. */
export async function stopV2Stack(s: V2Stack | undefined): Promise<void> {
  if (!s) return;
  await stopNode(s.n);
}

/** A pod uid as the API server makes them (a UUID), unique per call. */
export function podUid(): string {
  const h = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

/**
 * The cgroup_parent the kubelet sends for a BestEffort pod: cgroupfs
 * `/kubepods/besteffort/pod<uid>`, systemd the leaf slice name
 * `kubepods-besteffort-pod<uid with _ for ->.slice` (systemd expands it to
 * kubepods.slice/kubepods-besteffort.slice/…).
 */
export function kubeletCgroupParent(driver: Driver, uid: string): string {
  return driver === 'cgroupfs' ? `/kubepods/besteffort/pod${uid}` : `kubepods-besteffort-pod${uid.replace(/-/g, '_')}.slice`;
}

/** Where that parent is in the v2 hierarchy (relative to /sys/fs/cgroup, leading /). */
export function parentCgroupPath(driver: Driver, uid: string): string {
  if (driver === 'cgroupfs') return kubeletCgroupParent(driver, uid);
  const leaf = kubeletCgroupParent(driver, uid);
  return `/kubepods.slice/kubepods-besteffort.slice/${leaf}`;
}

export function kubePodConfig(s: V2Stack, name: string, uid: string, over: Record<string, unknown> = {}): PodSandboxConfig {
  return podConfig(name, {
    metadata: { name, namespace: 'berth-v2', uid, attempt: 0 },
    logDirectory: join(s.n.logDir, name),
    linux: { cgroupParent: kubeletCgroupParent(s.driver, uid) },
    ...over,
  });
}

/** The v2 cgroup of a process: the path of its single `0::` line. */
export async function cgroupOf(pid: number): Promise<string> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).trim().split('\n');
  assert.equal(lines.length, 1, `one unified hierarchy line: ${lines.join(' | ')}`);
  assert.match(lines[0]!, /^0::\//);
  return lines[0]!.slice(3);
}

/** An interface file of a cgroup (path relative to the root, leading /), trimmed. */
export async function cgroupFile(cgroup: string, file: string): Promise<string> {
  return (await readFile(join(CGROUP_ROOT, cgroup, file), 'utf8')).trim();
}

/** key value lines (memory.stat, cpu.stat, memory.events) as a map of bigints. */
export function flatKeyed(text: string): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) m.set(k, BigInt(v));
  }
  return m;
}

/** The container's init PID from the verbose ContainerStatus (berthd's info.pid). */
export async function initPid(s: V2Stack, id: string): Promise<number> {
  const r = await s.n.d.client.call(ContainerStatus, { containerId: id, verbose: true });
  const info = r.info['info'];
  assert.ok(info, `verbose info of ${id}`);
  const pid = (JSON.parse(info) as { pid?: number }).pid;
  assert.ok(pid && pid > 0, `pid in ${info}`);
  return pid;
}

/**
 * Where the container's process must be, by driver: cgroupfs
 * `<parent>/<berth-?><id>`; systemd a transient scope `<prefix>-<id>.scope`
 * (cri-berth or berth) inside the expanded pod slice.
 */
export function expectedContainerCgroup(driver: Driver, uid: string, id: string, opts: { crunSubgroup?: boolean } = {}): RegExp {
  const parent = parentCgroupPath(driver, uid).replace(/[.]/g, '\\.');
  if (driver === 'cgroupfs') return new RegExp(`^${parent}/(berth-)?${id}$`);
  // crun under systemd on v2 puts the process one level down, in the scope's
  // `container` sub-cgroup (its run.oci.systemd.subgroup default).
  return new RegExp(`^${parent}/(cri-)?berth-${id}\\.scope${opts.crunSubgroup ? '(/container)?' : ''}$`);
}

/** Every cgroup directory whose name mentions berth (a baseline for "nothing new left"). */
export async function berthCgroups(): Promise<Set<string>> {
  return new Set(await cgroupsContaining(['berth']));
}

/** `systemctl` with its output; never throws (status exits 3 for inactive units). */
export async function systemctl(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await sh('systemctl', ['--no-pager', ...args]);
    return { code: 0, out: r.stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** Every cgroup directory under the root whose path contains one of `needles`. */
export async function cgroupsContaining(needles: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(CGROUP_ROOT, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const child = `${rel}/${e.name}`;
      if (needles.some((n) => e.name.includes(n))) found.push(child);
      await walk(child);
    }
  };
  await walk('');
  return found;
}

/** systemd units (any state, loaded) whose name contains one of `needles`. */
export async function unitsContaining(needles: readonly string[]): Promise<string[]> {
  const { out } = await systemctl('list-units', '--all', '--plain', '--no-legend');
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((u) => u !== '' && needles.some((n) => u.includes(n)));
}

/**
 * Removes the pod-level parent the kubelet would own (it creates and deletes
 * the pod cgroup; no kubelet runs here), deepest first, ignoring what is
 * busy or gone. Keeps one test's leftovers out of the next test's checks.
 */
export async function removeKubeletParent(driver: Driver, uid: string): Promise<void> {
  if (driver === 'systemd') {
    await systemctl('stop', kubeletCgroupParent(driver, uid));
    return;
  }
  await rmdir(join(CGROUP_ROOT, parentCgroupPath(driver, uid))).catch(() => undefined);
}

/** runc's (and the kubelet's) cpu.shares → cpu.weight mapping: [2, 262144] onto [1, 10000]. */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}
