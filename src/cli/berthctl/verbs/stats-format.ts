// The stats tables as crictl computes them: CPU % from two samples taken
// --seconds apart (usage delta / timestamp delta), memory as the working
// set, sizes in go-units' HumanSize (4 significant digits, decimal units).
import type { ContainerStats, PodSandboxStats } from '../../../api/gen/api.js';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** docker/go-units HumanSize: HumanSizeWithPrecision(size, 4). */
export function humanSize4(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${UNITS[i]}`;
}

export class StaleSampleError extends Error {
  constructor() {
    super('cpu stat is not updated during sample');
  }
}

function cpuPercent(cpu: bigint, ts: bigint, oldCpu: bigint, oldTs: bigint): string {
  if (cpu === 0n) return '0.00';
  const duration = ts - oldTs;
  if (duration === 0n) throw new StaleSampleError();
  return ((Number(cpu - oldCpu) / Number(duration)) * 100).toFixed(2);
}

export function byAttributesId<T extends { attributes?: { id: string } | undefined }>(a: T, b: T): number {
  const x = a.attributes?.id ?? '';
  const y = b.attributes?.id ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** crictl stats' table; containers without a first sample, and (without -a) idle ones, are left out. */
export function containerStatsTable(before: readonly ContainerStats[], after: readonly ContainerStats[], all: boolean): string[][] {
  const old = new Map(before.map((s) => [s.attributes?.id ?? '', s]));
  const rows = [['CONTAINER', 'NAME', 'CPU %', 'MEM', 'DISK', 'INODES', 'SWAP']];
  for (const s of [...after].sort(byAttributesId)) {
    const id = s.attributes?.id ?? '';
    const cpu = s.cpu?.usageCoreNanoSeconds?.value ?? 0n;
    const mem = s.memory?.workingSetBytes?.value ?? 0n;
    if (!all && cpu === 0n && mem === 0n) continue;
    const o = old.get(id);
    if (!o) continue;
    rows.push([
      id.slice(0, 13),
      s.attributes?.metadata?.name ?? '',
      cpuPercent(cpu, s.cpu?.timestamp ?? 0n, o.cpu?.usageCoreNanoSeconds?.value ?? 0n, o.cpu?.timestamp ?? 0n),
      humanSize4(Number(mem)),
      humanSize4(Number(s.writableLayer?.usedBytes?.value ?? 0n)),
      String(s.writableLayer?.inodesUsed?.value ?? 0n),
      humanSize4(Number(s.swap?.swapUsageBytes?.value ?? 0n)),
    ]);
  }
  return rows;
}

/** crictl statsp's table (POD, POD ID, CPU %, MEM); pods without data or a first sample are left out. */
export function podStatsTable(before: readonly PodSandboxStats[], after: readonly PodSandboxStats[]): string[][] {
  const old = new Map(before.map((s) => [s.attributes?.id ?? '', s]));
  const rows = [['POD', 'POD ID', 'CPU %', 'MEM']];
  for (const s of [...after].sort(byAttributesId)) {
    const id = s.attributes?.id ?? '';
    const cpu = s.linux?.cpu?.usageCoreNanoSeconds?.value ?? 0n;
    const mem = s.linux?.memory?.workingSetBytes?.value ?? 0n;
    if (cpu === 0n && mem === 0n) continue;
    const o = old.get(id);
    if (!o) continue;
    rows.push([
      s.attributes?.metadata?.name ?? '',
      id.slice(0, 13),
      cpuPercent(cpu, s.linux?.cpu?.timestamp ?? 0n, o.linux?.cpu?.usageCoreNanoSeconds?.value ?? 0n, o.linux?.cpu?.timestamp ?? 0n),
      humanSize4(Number(mem)),
    ]);
  }
  return rows;
}
