// Sysctls of pods and containers: which namespace each belongs to, and where
// it lives under /proc/sys. Pure, shared by pod planning and container specs.
// Only namespaced sysctls may be set for a pod (anything else would change the
// whole node), and only when the pod owns that namespace.
import { invalidArgument } from './errors.js';

export type SysctlNamespace = 'net' | 'ipc' | 'uts';

export interface Sysctl {
  /** Dot form, e.g. net.ipv4.conf.eth0/100.rp_filter */
  name: string;
  value: string;
  ns: SysctlNamespace;
  /** Path relative to /proc/sys, e.g. net/ipv4/conf/eth0.100/rp_filter */
  path: string;
}

const EXACT: Record<string, SysctlNamespace> = {
  'kernel.sem': 'ipc',
  'kernel.hostname': 'uts',
  'kernel.domainname': 'uts',
};
const PREFIX: [string, SysctlNamespace][] = [
  ['kernel.shm', 'ipc'],
  ['kernel.msg', 'ipc'],
  ['fs.mqueue.', 'ipc'],
  ['net.', 'net'],
];

/**
 * The kubelet's rule: a name whose first separator is '/' uses '/' between
 * segments and '.' inside them (interface names like eth0.100); convert it to
 * the dot form, where such dots become '/'.
 */
export function normalizeSysctlName(name: string): string {
  const firstDot = name.indexOf('.');
  const firstSlash = name.indexOf('/');
  if (firstSlash === -1 || (firstDot !== -1 && firstDot < firstSlash)) return name;
  return swapDotsAndSlashes(name);
}

/** The namespace a (dot form) sysctl belongs to, or undefined when it is node-wide. */
export function sysctlNamespace(name: string): SysctlNamespace | undefined {
  const exact = EXACT[name];
  if (exact) return exact;
  for (const [prefix, ns] of PREFIX) if (name.startsWith(prefix)) return ns;
  return undefined;
}

/** Dot form → path under /proc/sys; throws on names that could escape it. */
export function procSysPath(name: string): string {
  const path = swapDotsAndSlashes(name);
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || !/^[A-Za-z0-9_.:@-]+$/.test(s))) {
    throw invalidArgument('cri', `sysctl "${name}": not a valid sysctl name`);
  }
  return path;
}

/**
 * Validates and classifies the pod's sysctls. `hostNs` says which namespaces
 * the pod shares with the node: a sysctl of such a namespace would change
 * the node, so it is refused, as is any sysctl that is not namespaced.
 */
export function classifySysctls(sysctls: Record<string, string>, hostNs: Record<SysctlNamespace, boolean>): Sysctl[] {
  const out: Sysctl[] = [];
  for (const [rawName, value] of Object.entries(sysctls).sort(([a], [b]) => a.localeCompare(b))) {
    const name = normalizeSysctlName(rawName);
    const ns = sysctlNamespace(name);
    if (!ns) throw invalidArgument('cri', `sysctl "${rawName}" is not namespaced and cannot be set for a pod`);
    if (hostNs[ns]) {
      throw invalidArgument('cri', `sysctl "${rawName}" belongs to the ${ns} namespace, which the pod shares with the node`);
    }
    if (/[\n\0]/.test(value)) throw invalidArgument('cri', `sysctl "${rawName}": value must be a single line`);
    out.push({ name, value, ns, path: procSysPath(name) });
  }
  return out;
}

function swapDotsAndSlashes(s: string): string {
  return s.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}
