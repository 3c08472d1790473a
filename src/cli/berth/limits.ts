// A container's cgroup limits as the CRI reports them
// (ContainerStatus.resources.linux) and changed live through
// UpdateContainerResources. Only the fields being changed are sent: zero and
// "" mean "leave as is" to berthd, containerd and runc alike.
import type { DeepPartial, LinuxContainerResources } from '../../api/gen/api.js';
import { ContainerStatus, UpdateContainerResources } from '../../api/methods.js';
import type { CliContext } from '../common/cli-context.js';
import { wrapError } from './errors.js';
import { formatBytes, formatMillis } from './units.js';

export interface Limits {
  cpuShares: number;
  /** µs per period; -1 or 0 = no quota. */
  cpuQuota: number;
  cpuPeriod: number;
  cpusetCpus: string;
  cpusetMems: string;
  /** Bytes; 0 or -1 = no limit. */
  memory: number;
  memorySwap: number;
}

export function limitsOf(r: LinuxContainerResources | undefined): Limits {
  return {
    cpuShares: Number(r?.cpuShares ?? 0n),
    cpuQuota: Number(r?.cpuQuota ?? 0n),
    cpuPeriod: Number(r?.cpuPeriod ?? 0n),
    cpusetCpus: r?.cpusetCpus ?? '',
    cpusetMems: r?.cpusetMems ?? '',
    memory: Number(r?.memoryLimitInBytes ?? 0n),
    memorySwap: Number(r?.memorySwapLimitInBytes ?? 0n),
  };
}

export async function readLimits(ctx: CliContext, id: string): Promise<Limits> {
  const s = (await ctx.runtime.call(ContainerStatus, { containerId: id })).status;
  return limitsOf(s?.resources?.linux);
}

/** The CPU limit in millicores; undefined = unlimited. */
export function cpuLimitMillis(l: Limits): number | undefined {
  if (l.cpuQuota <= 0) return undefined;
  return Math.round((l.cpuQuota * 1000) / (l.cpuPeriod > 0 ? l.cpuPeriod : 100_000));
}

/** The memory limit in bytes; undefined = unlimited ("above 2^62" is the kernel's way to say so). */
export function memoryLimitBytes(l: Limits): number | undefined {
  return l.memory > 0 && l.memory < 2 ** 62 ? l.memory : undefined;
}

export function cpuText(l: Limits): string {
  const m = cpuLimitMillis(l);
  return m === undefined ? 'unlimited' : formatMillis(m);
}

export function memoryText(l: Limits): string {
  const b = memoryLimitBytes(l);
  return b === undefined ? 'unlimited' : formatBytes(b);
}

export function cpusetText(l: Limits): string {
  return l.cpusetCpus || 'all';
}

/** Sends only the given fields. */
export async function applyLimits(ctx: CliContext, id: string, what: string, change: DeepPartial<LinuxContainerResources>): Promise<void> {
  try {
    await ctx.runtime.call(UpdateContainerResources, { containerId: id, linux: change });
  } catch (e) {
    throw wrapError(`updating ${what}`, e);
  }
}

/** The limits as `berth container limits` prints them. */
export function limitsReport(name: string, l: Limits): string {
  const lines = [
    `Container: ${name}`,
    'CPU:',
    `  limit:   ${cpuText(l)}${l.cpuQuota > 0 ? ` (quota ${l.cpuQuota}µs per ${l.cpuPeriod || 100_000}µs period)` : ''}`,
    `  shares:  ${l.cpuShares || 'default'}`,
    `  cpuset:  ${cpusetText(l)}`,
    'Memory:',
    `  limit:   ${memoryText(l)}${memoryLimitBytes(l) !== undefined ? ` (${l.memory} bytes)` : ''}`,
  ];
  if (l.memorySwap > 0 && l.memorySwap < 2 ** 62) lines.push(`  +swap:   ${formatBytes(l.memorySwap)}`);
  if (l.cpusetMems) lines.push(`  nodes:   ${l.cpusetMems}`);
  return lines.join('\n');
}

export function limitsJson(l: Limits): Record<string, unknown> {
  return {
    cpu: { limit: cpuLimitMillis(l) === undefined ? null : formatMillis(cpuLimitMillis(l) as number), quota: l.cpuQuota, period: l.cpuPeriod, shares: l.cpuShares, cpuset: l.cpusetCpus },
    memory: { limit: memoryLimitBytes(l) ?? null, swap: l.memorySwap },
  };
}
