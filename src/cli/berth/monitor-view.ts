// What `berth monitor` shows, from sampled rows: a sorted table per
// resource (usage, limit, use of the limit, a sparkline of recent
// history), and the --json document. Pure, so it is tested without a runtime.
import { binarySize } from './docker-format.js';
import type { History } from './sparkline.js';
import { sparkline } from './sparkline.js';
import type { UsageRow } from './sampler.js';
import { formatMillis } from './units.js';

export type Resource = 'cpu' | 'memory' | 'network';
export const RESOURCES: readonly Resource[] = ['cpu', 'memory', 'network'];
export const SPARK_WIDTH = 20;

/** The value a row is sorted and charted by. */
export function metric(r: UsageRow, res: Resource): number {
  if (res === 'cpu') return r.cpuMillis ?? 0;
  if (res === 'memory') return r.memoryBytes;
  return (r.rxRate ?? 0) + (r.txRate ?? 0);
}

/** Network is per pod: one row for each pod, named after its containers. */
export function rowsFor(rows: readonly UsageRow[], res: Resource): UsageRow[] {
  if (res !== 'network') return [...rows];
  const byPod = new Map<string, UsageRow>();
  for (const r of rows) {
    const seen = byPod.get(r.podId);
    byPod.set(r.podId, seen ? { ...seen, name: `${seen.name},${r.name}` } : r);
  }
  return [...byPod.values()];
}

function pct(used: number | undefined, limit: number | undefined): string {
  if (used === undefined || limit === undefined || limit <= 0) return '-';
  return `${((used / limit) * 100).toFixed(1)}%`;
}

function rate(bps: number | undefined): string {
  return bps === undefined ? '-' : `${binarySize(bps)}/s`;
}

export function keyOf(r: UsageRow, res: Resource): string {
  return res === 'network' ? r.podId : r.id;
}

/** The table lines, sorted by use (highest first). History is pushed by the caller. */
export function tableLines(rows: readonly UsageRow[], res: Resource, hist: History): string[][] {
  const sorted = rowsFor(rows, res).sort((a, b) => metric(b, res) - metric(a, res) || a.name.localeCompare(b.name));
  if (res === 'cpu') {
    return [
      ['CONTAINER', 'POD', 'CPU', 'LIMIT', 'USE%', 'HISTORY'],
      ...sorted.map((r) => [
        r.name,
        podText(r),
        r.cpuMillis === undefined ? '-' : `${Math.round(r.cpuMillis)}m`,
        r.cpuLimitMillis === undefined ? 'none' : formatMillis(r.cpuLimitMillis),
        pct(r.cpuMillis, r.cpuLimitMillis),
        sparkline(hist.get(keyOf(r, res)), SPARK_WIDTH, r.cpuLimitMillis ?? 1000),
      ]),
    ];
  }
  if (res === 'memory') {
    return [
      ['CONTAINER', 'POD', 'MEMORY', 'LIMIT', 'USE%', 'HISTORY'],
      ...sorted.map((r) => [
        r.name,
        podText(r),
        binarySize(r.memoryBytes),
        r.memoryLimitBytes === undefined ? 'none' : binarySize(r.memoryLimitBytes),
        pct(r.memoryBytes, r.memoryLimitBytes),
        sparkline(hist.get(keyOf(r, res)), SPARK_WIDTH, r.memoryLimitBytes),
      ]),
    ];
  }
  return [
    ['POD', 'CONTAINERS', 'RX/s', 'TX/s', 'RX', 'TX', 'HISTORY'],
    ...sorted.map((r) => [podText(r), r.name, rate(r.rxRate), rate(r.txRate), binarySize(r.rxBytes), binarySize(r.txBytes), sparkline(hist.get(keyOf(r, res)), SPARK_WIDTH)]),
  ];
}

function podText(r: UsageRow): string {
  return r.namespace ? `${r.namespace}/${r.pod}` : r.pod;
}

/** One machine-readable sample. */
export function jsonDoc(rows: readonly UsageRow[], res: Resource, at: Date): Record<string, unknown> {
  return {
    time: at.toISOString(),
    resource: res,
    containers: rows.map((r) => ({
      id: r.id,
      name: r.name,
      pod: r.pod,
      podId: r.podId,
      namespace: r.namespace,
      cpu: { millicores: r.cpuMillis === undefined ? null : Math.round(r.cpuMillis), limitMillicores: r.cpuLimitMillis ?? null },
      memory: { workingSetBytes: r.memoryBytes, limitBytes: r.memoryLimitBytes ?? null },
      network: { rxBytes: r.rxBytes, txBytes: r.txBytes, rxBytesPerSecond: r.rxRate ?? null, txBytesPerSecond: r.txRate ?? null },
    })),
  };
}
