// Resource use of the node's running containers, sampled through the CRI
// stats calls: CPU as a rate between two samples (usage ns over the stats'
// own timestamps), memory as the working set (what the kubelet evicts on),
// network per pod (the pod's network namespace is shared), limits from
// ContainerStatus.resources (refreshed every few seconds, so live changes
// show). Used by `berth stats` and `berth monitor`.
import { totalmem } from 'node:os';
import { ContainerState, type Container } from '../../api/gen/api.js';
import { ListContainers, ListContainerStats, ListPodSandbox, ListPodSandboxStats } from '../../api/methods.js';
import type { CliContext } from '../common/cli-context.js';
import { BERTH_SELECTOR } from './labels.js';
import { cpuLimitMillis, limitsOf, memoryLimitBytes, readLimits, type Limits } from './limits.js';
import { displayName } from './resolve.js';

export interface UsageRow {
  id: string;
  name: string;
  podId: string;
  pod: string;
  namespace: string;
  /** Millicores used over the last interval; undefined on the first sample. */
  cpuMillis: number | undefined;
  cpuLimitMillis: number | undefined;
  memoryBytes: number;
  memoryLimitBytes: number | undefined;
  /** Bytes per second over the last interval, for the container's pod. */
  rxRate: number | undefined;
  txRate: number | undefined;
  rxBytes: number;
  txBytes: number;
  pids: number | undefined;
}

export interface SamplerFilter {
  berthOnly: boolean;
  /** Pod name or pod ID prefix. */
  pod?: string;
  /** Container names or ID prefixes. */
  containers?: readonly string[];
}

interface Prev {
  value: bigint;
  ts: bigint;
}

const LIMITS_TTL_MS = 3000;

export class Sampler {
  private readonly cpu = new Map<string, Prev>();
  private readonly net = new Map<string, { rx: Prev; tx: Prev }>();
  private readonly limits = new Map<string, { at: number; l: Limits }>();

  constructor(
    private readonly ctx: CliContext,
    private readonly filter: SamplerFilter,
  ) {}

  async sample(): Promise<UsageRow[]> {
    const ctx = this.ctx;
    const [list, stats, pods, podStats] = await Promise.all([
      ctx.runtime.call(ListContainers, { filter: { state: { state: ContainerState.CONTAINER_RUNNING }, labelSelector: this.filter.berthOnly ? BERTH_SELECTOR : {} } }),
      ctx.runtime.call(ListContainerStats, {}),
      ctx.runtime.call(ListPodSandbox, {}),
      ctx.runtime.call(ListPodSandboxStats, {}).catch(() => ({ stats: [] })),
    ]);
    const podMeta = new Map(pods.items.map((p) => [p.id, p.metadata]));
    const statsById = new Map(stats.stats.map((s) => [s.attributes?.id ?? '', s]));
    const podById = new Map(podStats.stats.map((s) => [s.attributes?.id ?? '', s]));
    const containers = list.containers.filter((c) => this.wanted(c, podMeta.get(c.podSandboxId)?.name ?? ''));
    const now = Date.now();
    await Promise.all(
      containers.map(async (c) => {
        const cached = this.limits.get(c.id);
        if (!cached || now - cached.at > LIMITS_TTL_MS) this.limits.set(c.id, { at: now, l: await readLimits(ctx, c.id).catch(() => cached?.l ?? limitsOf(undefined)) });
      }),
    );
    const rows: UsageRow[] = [];
    for (const c of containers) {
      const s = statsById.get(c.id);
      const ps = podById.get(c.podSandboxId);
      const l = this.limits.get(c.id)?.l;
      const usage = s?.cpu?.usageCoreNanoSeconds?.value;
      const ts = s?.cpu?.timestamp ?? 0n;
      let cpuMillis: number | undefined;
      const prev = this.cpu.get(c.id);
      if (usage !== undefined) {
        if (prev && ts > prev.ts) cpuMillis = (Number(usage - prev.value) / Number(ts - prev.ts)) * 1000;
        else if (!prev && (s?.cpu?.usageNanoCores?.value ?? 0n) > 0n) cpuMillis = Number(s?.cpu?.usageNanoCores?.value ?? 0n) / 1e6;
        this.cpu.set(c.id, { value: usage, ts });
      }
      const iface = ps?.linux?.network?.defaultInterface;
      const netTs = ps?.linux?.network?.timestamp ?? 0n;
      const rx = (iface?.rxBytes?.value ?? 0n) + sum(ps?.linux?.network?.interfaces.map((i) => i.rxBytes?.value ?? 0n));
      const tx = (iface?.txBytes?.value ?? 0n) + sum(ps?.linux?.network?.interfaces.map((i) => i.txBytes?.value ?? 0n));
      const pn = this.net.get(c.podSandboxId);
      const rate = (cur: bigint, p: Prev | undefined): number | undefined => (p && netTs > p.ts ? (Number(cur - p.value) / Number(netTs - p.ts)) * 1e9 : undefined);
      const meta = podMeta.get(c.podSandboxId);
      rows.push({
        id: c.id,
        name: displayName(c),
        podId: c.podSandboxId,
        pod: meta?.name ?? '',
        namespace: meta?.namespace ?? '',
        cpuMillis: cpuMillis === undefined ? undefined : Math.max(0, cpuMillis),
        cpuLimitMillis: l ? cpuLimitMillis(l) : undefined,
        memoryBytes: Number(s?.memory?.workingSetBytes?.value ?? 0n),
        memoryLimitBytes: l ? memoryLimitBytes(l) : undefined,
        rxRate: rate(rx, pn?.rx),
        txRate: rate(tx, pn?.tx),
        rxBytes: Number(rx),
        txBytes: Number(tx),
        pids: ps?.linux?.process?.processCount?.value !== undefined ? Number(ps.linux.process.processCount.value) : undefined,
      });
    }
    // The baseline for the next rates: once per pod, after every container of it used this one.
    for (const r of rows) {
      const ts = podById.get(r.podId)?.linux?.network?.timestamp ?? 0n;
      this.net.set(r.podId, { rx: { value: BigInt(r.rxBytes), ts }, tx: { value: BigInt(r.txBytes), ts } });
    }
    return rows;
  }

  private wanted(c: Container, podName: string): boolean {
    const f = this.filter;
    if (f.pod && podName !== f.pod && !c.podSandboxId.startsWith(f.pod)) return false;
    if (f.containers?.length) return f.containers.some((r) => displayName(c) === r || c.id.startsWith(r));
    return true;
  }
}

function sum(xs: readonly bigint[] | undefined): bigint {
  return (xs ?? []).reduce((a, b) => a + b, 0n);
}

/** docker stats' MEM % base when there is no limit: the node's memory. */
export function nodeMemory(): number {
  return totalmem();
}
