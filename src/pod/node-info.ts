// Facts about the node a pod needs: its IPs (reported for host-network
// pods), its hostname, and the boot id (a changed one means every pinned
// namespace and process of the previous boot is gone).
import { readFile } from 'node:fs/promises';
import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** Pure: the node's first global IPv4 and IPv6 addresses, IPv4 first. */
export function pickNodeIps(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const all = Object.values(ifaces).flatMap((l) => l ?? []).filter((i) => !i.internal);
  const v4 = all.find((i) => i.family === 'IPv4');
  const v6 = all.find((i) => i.family === 'IPv6' && !/^fe80:/i.test(i.address));
  return [v4?.address, v6?.address].filter((a): a is string => a !== undefined);
}

export function nodeIps(): string[] {
  return pickNodeIps(networkInterfaces());
}

export function nodeHostname(): string {
  return hostname();
}

export async function bootId(): Promise<string> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  } catch {
    return '';
  }
}
