// Network counters of a pod: /proc/net/dev as seen from inside the pod's
// network namespace. Node cannot setns on its event-loop thread, so a helper
// process reads it: `nsenter --net=<pinned netns> cat /proc/net/dev`
// (/proc/net resolves to the reading process's namespace).
import { nsenter } from '../util/nsenter.js';

export interface NetDevCounters {
  name: string;
  rxBytes: bigint;
  rxPackets: bigint;
  rxErrors: bigint;
  rxDropped: bigint;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  txDropped: bigint;
}

/**
 * Pure: /proc/net/dev → counters per interface. The name is padded or, when
 * long, runs straight into the colon ("veth1234abcd:1234 …"); the two header
 * lines have no colon before their fields.
 */
export function parseNetDev(text: string): NetDevCounters[] {
  const out: NetDevCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/);
    if (!name || f.length < 16 || !f.every((x) => /^\d+$/.test(x))) continue;
    const n = (i: number): bigint => BigInt(f[i] as string);
    out.push({
      name,
      rxBytes: n(0),
      rxPackets: n(1),
      rxErrors: n(2),
      rxDropped: n(3),
      txBytes: n(8),
      txPackets: n(9),
      txErrors: n(10),
      txDropped: n(11),
    });
  }
  return out;
}

export const DEFAULT_INTERFACE = 'eth0';

export interface PodNetwork {
  defaultInterface?: NetDevCounters;
  /** Every interface but the default and loopback. */
  interfaces: NetDevCounters[];
}

/** Pure: the CRI's split — the default interface (eth0, what the kubelet names it) and the others; lo is left out, as cadvisor does. */
export function splitInterfaces(all: readonly NetDevCounters[], defaultName = DEFAULT_INTERFACE): PodNetwork {
  const out: PodNetwork = { interfaces: [] };
  for (const c of all) {
    if (c.name === defaultName) out.defaultInterface = c;
    else if (c.name !== 'lo') out.interfaces.push(c);
  }
  return out;
}

const TIMEOUT_MS = 5_000;

/** Reads /proc/net/dev inside the namespace; a failure names the command and its stderr. */
export async function readNetDevInNetns(netnsPath: string, timeoutMs = TIMEOUT_MS): Promise<NetDevCounters[]> {
  const r = await nsenter({ layer: 'stats', ns: { net: netnsPath }, argv: ['cat', '/proc/net/dev'], timeoutMs });
  return parseNetDev(r.stdout);
}
