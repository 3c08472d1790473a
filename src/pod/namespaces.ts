// A pod's network, IPC and UTS namespaces (and its user namespace, when it
// has one, which then owns the others), pinned as bind mounts under
// <state>/ns/<kind>/<pod id> so no process has to keep them alive (what
// CRI-O's pinns does), by the berth-sys helper: one exec creates all of a
// pod's namespaces, sets the hostname and brings lo up (nsenter's wrapper,
// for sysctls, is src/util/nsenter.ts).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nsenter } from '../util/nsenter.js';
import { sysPinNamespaces } from '../oci/berth-sys.js';
import { bindSelfPrivate, isMountPoint, mountPoints, unmountAll } from './mounts.js';
import type { Sysctl } from '../util/sysctls.js';
import type { UsernsMappings } from '../util/idmap.js';

export type NsKind = 'user' | 'net' | 'ipc' | 'uts';
export const NS_KINDS: readonly NsKind[] = ['user', 'net', 'ipc', 'uts'];

/** Pin file per namespace the pod owns; a missing kind means the node's namespace. */
export type NsPins = Partial<Record<NsKind, string>>;

const TIMEOUT_MS = 30_000;

// Pairs of (path under /proc/sys, value); /proc/sys/net resolves to the writer's netns.
const SYSCTL_SCRIPT = 'while [ $# -gt 0 ]; do printf "%s\\n" "$2" > "/proc/sys/$1" || exit 1; shift 2; done';

export function nsRoot(stateDir: string): string {
  return join(stateDir, 'ns');
}

export function nsPinPaths(stateDir: string, podId: string, kinds: readonly NsKind[]): NsPins {
  const pins: NsPins = {};
  for (const k of kinds) pins[k] = join(nsRoot(stateDir), k, podId);
  return pins;
}

/**
 * <state>/ns must be a mount of its own with private propagation: an nsfs
 * bind mount must not propagate into peer mount namespaces (that would keep
 * the namespace alive there and can loop). Done once per boot.
 */
export async function ensureNsRoot(stateDir: string): Promise<void> {
  const root = nsRoot(stateDir);
  await Promise.all(NS_KINDS.map((k) => mkdir(join(root, k), { recursive: true, mode: 0o711 })));
  if (!(await isMountPoint(root))) await bindSelfPrivate(root);
}

/**
 * Creates and pins the namespaces in `pins`; sets the hostname (UTS) and
 * brings lo up (net). With `userns` (and a user pin) the others are created
 * inside a new user namespace with those mappings.
 */
export async function pinNamespaces(pins: NsPins, opts: { hostname: string; userns?: UsernsMappings }): Promise<void> {
  const kinds = NS_KINDS.filter((k) => pins[k]);
  if (kinds.length === 0) return;
  // Bind mounts go onto existing files only.
  await Promise.all(kinds.map((k) => writeFile(pins[k] as string, '', { mode: 0o444 })));
  const userns = pins.user && opts.userns ? { pin: pins.user, mappings: opts.userns } : undefined;
  await sysPinNamespaces('runtime', { net: pins.net, ipc: pins.ipc, uts: pins.uts, hostname: opts.hostname, loUp: true, userns });
}

/** Writes sysctls inside the pod's namespaces (one nsenter for all of them). */
export async function applySysctls(pins: NsPins, sysctls: readonly Sysctl[]): Promise<void> {
  if (sysctls.length === 0) return;
  const ns: NsPins = {};
  for (const k of NS_KINDS) if (pins[k] && sysctls.some((s) => s.ns === k)) ns[k] = pins[k];
  await nsenter({ layer: 'runtime', ns, argv: ['sh', '-c', SYSCTL_SCRIPT, 'sh', ...sysctls.flatMap((s) => [s.path, s.value])], timeoutMs: TIMEOUT_MS });
}

/** Which pins are live namespace mounts now (a crash or reboot can leave bare files or nothing). */
export async function livePins(pins: NsPins): Promise<NsPins> {
  const mounted = await mountPoints();
  const live: NsPins = {};
  for (const k of NS_KINDS) {
    const p = pins[k];
    if (p && mounted.has(p)) live[k] = p;
  }
  return live;
}

/** Unmounts and deletes the pins; the namespaces die with their last user. Idempotent. */
export async function unpinNamespaces(pins: NsPins): Promise<void> {
  await unmountAll(pinPaths(pins));
  await removePinFiles(pins);
}

/** Deletes the pin files of pins already unmounted. */
export async function removePinFiles(pins: NsPins): Promise<void> {
  await Promise.all(pinPaths(pins).map((p) => rm(p, { force: true })));
}

function pinPaths(pins: NsPins): string[] {
  return NS_KINDS.map((k) => pins[k]).filter((p): p is string => p !== undefined);
}
