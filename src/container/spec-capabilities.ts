// Capability sets of a container process, from the CRI security context, the
// way containerd computes them (default set, add/drop with ALL, privileged =
// everything berthd holds) plus ambient capabilities (KEP-2763). Pure.
import type { Capability } from '../api/gen/api.js';
import { invalidArgument } from '../util/errors.js';
import type { OciCapabilities } from './oci-spec-types.js';

/** Linux capabilities by bit number (0 … 40). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

const BIT = new Map(ALL_CAPABILITIES.map((c, i) => [c, i]));

/** containerd's (and Docker's) default set for an unprivileged container. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** The names in a /proc/<pid>/status capability mask (hex, e.g. CapBnd). */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim() || '0'}`);
  return ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** "net_admin", "CAP_NET_ADMIN", " Net_Admin " → CAP_NET_ADMIN; ALL stays ALL. */
export function normalizeCapability(name: string): string {
  const up = name.trim().toUpperCase();
  if (up === 'ALL') return up;
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}

export interface CapabilityInput {
  privileged: boolean;
  capabilities: Capability | undefined;
  /** What berthd itself holds (its bounding set): nothing beyond it can be granted. */
  available: readonly string[];
}

const FIELD = 'linux.security_context.capabilities';

export function computeCapabilities(input: CapabilityInput): OciCapabilities {
  const available = new Set(input.available);
  const add = checked(input.capabilities?.addCapabilities ?? [], 'add_capabilities', true);
  const drop = checked(input.capabilities?.dropCapabilities ?? [], 'drop_capabilities', true);
  const ambient = checked(input.capabilities?.addAmbientCapabilities ?? [], 'add_ambient_capabilities', false);

  let set: Set<string>;
  if (input.privileged) {
    // containerd: privileged means every capability berthd has; add/drop are moot.
    set = new Set(available);
  } else {
    set = new Set(DEFAULT_CAPABILITIES.filter((c) => available.has(c)));
    // ALL first, so that add [ALL] + drop [X] is "everything but X", and drop [ALL] + add [X] is "only X".
    if (add.some((c) => c.name === 'ALL')) set = new Set(available);
    if (drop.some((c) => c.name === 'ALL')) set.clear();
    for (const c of add) {
      if (c.name === 'ALL') continue;
      requireAvailable(c, available);
      set.add(c.name);
    }
    for (const c of drop) if (c.name !== 'ALL') set.delete(c.name);
  }
  // An ambient capability must also be permitted and inheritable (the kernel's invariant).
  for (const c of ambient) {
    requireAvailable(c, available);
    set.add(c.name);
  }
  const ordered = sortByBit(set);
  const ambientNames = sortByBit(new Set(ambient.map((c) => c.name)));
  return {
    bounding: ordered,
    effective: [...ordered],
    permitted: [...ordered],
    // Empty unless ambient: a non-empty inheritable set would let file capabilities
    // elevate an unprivileged exec (CVE-2022-24769).
    inheritable: ambientNames,
    ambient: [...ambientNames],
  };
}

interface NamedCap {
  name: string;
  field: string;
}

function checked(names: readonly string[], list: string, allowAll: boolean): NamedCap[] {
  return names.map((raw, i) => {
    const name = normalizeCapability(raw);
    const field = `${FIELD}.${list}[${i}]`;
    if (name === 'ALL' ? !allowAll : !BIT.has(name)) throw invalidArgument('cri', `${field}: unknown capability "${raw}"`);
    return { name, field };
  });
}

function requireAvailable(c: NamedCap, available: ReadonlySet<string>): void {
  if (!available.has(c.name)) throw invalidArgument('cri', `${c.field}: ${c.name} is not held by berthd, so it cannot be granted`);
}

function sortByBit(set: ReadonlySet<string>): string[] {
  return [...set].sort((a, b) => (BIT.get(a) ?? 99) - (BIT.get(b) ?? 99));
}
