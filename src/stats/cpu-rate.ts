// usage_nano_cores: CPU time used per second of wall time, from the previous
// sample of the same container (or pod). The first sample of an id reports 0
// (as containerd). Samples closer than `minIntervalNs` to the baseline reuse
// the last rate instead of moving the baseline, so two pollers a few ms apart
// (the kubelet has several) do not get a rate from a noisy tiny window.
export interface CpuRateOptions {
  /** Bound on remembered ids; the least recently sampled goes first. */
  maxEntries?: number;
  minIntervalNs?: bigint;
}

interface Baseline {
  usageNs: bigint;
  monotonicNs: bigint;
  rate: bigint;
}

export class CpuRateTracker {
  private readonly last = new Map<string, Baseline>();
  private readonly maxEntries: number;
  private readonly minIntervalNs: bigint;

  constructor(o: CpuRateOptions = {}) {
    this.maxEntries = o.maxEntries ?? 4096;
    this.minIntervalNs = o.minIntervalNs ?? 1_000_000_000n;
  }

  /** Nano-cores between the baseline of `id` and this sample. */
  rate(id: string, usageNs: bigint, monotonicNs: bigint): bigint {
    const prev = this.last.get(id);
    if (prev) {
      const dt = monotonicNs - prev.monotonicNs;
      if (usageNs >= prev.usageNs && dt >= 0n && dt < this.minIntervalNs) return prev.rate;
      // A counter that went back is a new cgroup under the same id: start over.
      if (usageNs >= prev.usageNs && dt > 0n) return this.put(id, { usageNs, monotonicNs, rate: ((usageNs - prev.usageNs) * 1_000_000_000n) / dt });
    }
    return this.put(id, { usageNs, monotonicNs, rate: 0n });
  }

  forget(id: string): void {
    this.last.delete(id);
  }

  /** Drops every id not in `live` (containers and pods that went away). */
  retain(live: ReadonlySet<string>): void {
    for (const id of this.last.keys()) if (!live.has(id)) this.last.delete(id);
  }

  get size(): number {
    return this.last.size;
  }

  private put(id: string, b: Baseline): bigint {
    this.last.delete(id); // re-insert: Map order is recency order
    this.last.set(id, b);
    if (this.last.size > this.maxEntries) this.last.delete(this.last.keys().next().value as string);
    return b.rate;
  }
}
