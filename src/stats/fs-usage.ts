// Disk usage of a container's writable layer (its overlay upper dir): bytes
// allocated and inodes, each inode counted once (hard links), staying on one
// filesystem — what containerd's snapshotter Usage and CRI-O report.
//
// Measured by GNU du in a child process (bench/fs-usage.ts, 10k files, warm
// cache): du ×2 ≈ 28–68 ms wall and ~5–18 ms of event-loop time, an async
// lstat walk in Node ≈ 190–220 ms wall and ~175–285 ms of event-loop CPU.
//
// Freshness (as containerd 1.6, whose CRI plugin refreshes snapshot usage
// every 10 s in the background, stats_collect_period): a stats call never
// waits for a du walk once a layer has been measured. The first request for
// a layer measures it (requests arriving together share one du run per
// mode); from then on, while the layer keeps being asked for, a background
// sweep re-measures every such layer each `refreshMs` (default 10 s), all in
// one du run per mode, and a call answers with the latest measurement. Its
// timestamp is when that measurement finished, so an answer's usage is at
// most ~refreshMs (plus one walk) old, and says how old. A layer not asked
// for in `idleMs` is no longer swept; a value older than `maxAgeMs` is never
// served: the caller then waits for a fresh measurement.
import { duDiskUsageMany } from './du.js';

export interface DiskUsage {
  bytes: bigint;
  inodes: bigint;
}

export interface DiskUsageSample extends DiskUsage {
  /** Wall clock of the measurement, ns since the epoch. */
  timestampNs: bigint;
}

/** Result per directory: usage, undefined (it does not exist) or the error that kept it from being measured. */
export type MeasureMany = (dirs: readonly string[]) => Promise<Map<string, DiskUsage | undefined | Error>>;

export interface FsUsageCacheOptions {
  /** Background re-measurement period of layers being asked for (default 10 s). */
  refreshMs?: number;
  /** Oldest measurement served; older ones are re-measured first (default 30 s). */
  maxAgeMs?: number;
  /** Layers not asked for in this long are no longer swept (default 2 min). */
  idleMs?: number;
  maxEntries?: number;
  /** Injectable for tests; defaults to du (one run per mode for all directories). */
  measureMany?: MeasureMany;
  /** One directory at a time (tests); used when measureMany is not given. */
  measure?: (dir: string) => Promise<DiskUsage>;
  /** Clock for ages (tests); default Date.now. */
  now?: () => number;
  /** false: no background sweep (tests drive sweep() themselves). */
  background?: boolean;
}

interface Entry {
  dir: string;
  askedAt: number;
  /** The latest measurement and its clock time (`at`); absent until the first one settled. */
  value?: { sample: DiskUsageSample | undefined; at: number };
  /** A measurement of this entry in flight. */
  pending?: Promise<DiskUsageSample | undefined>;
}

export class FsUsageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshMs: number;
  private readonly maxAgeMs: number;
  private readonly idleMs: number;
  private readonly maxEntries: number;
  private readonly measureMany: MeasureMany;
  private readonly now: () => number;
  private readonly background: boolean;
  private timer: NodeJS.Timeout | undefined;
  /** Directories asked for in this turn of the event loop: measured together. */
  private batch: { dirs: Set<string>; done: Promise<Map<string, DiskUsage | undefined | Error>> } | undefined;

  constructor(o: FsUsageCacheOptions = {}) {
    this.refreshMs = o.refreshMs ?? 10_000;
    this.maxAgeMs = o.maxAgeMs ?? 30_000;
    this.idleMs = o.idleMs ?? 120_000;
    this.maxEntries = o.maxEntries ?? 4096;
    this.now = o.now ?? Date.now;
    this.background = o.background ?? true;
    const one = o.measure;
    this.measureMany =
      o.measureMany ??
      (one ? async (dirs) => new Map(await Promise.all(dirs.map(async (d) => [d, await one(d).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))] as const))) : duDiskUsageMany);
  }

  /** Usage of `dir` for `key` (a container id); undefined when the directory does not exist. */
  get(key: string, dir: string): Promise<DiskUsageSample | undefined> {
    const now = this.now();
    let e = this.entries.get(key);
    if (!e || e.dir !== dir) {
      e = { dir, askedAt: now };
      this.entries.delete(key);
      this.entries.set(key, e);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
    e.askedAt = now;
    this.startSweeping();
    if (e.value && now - e.value.at < this.maxAgeMs) return Promise.resolve(e.value.sample);
    return this.measureEntry(key, e);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry whose key is not in `live`. */
  retain(live: ReadonlySet<string>): void {
    for (const k of this.entries.keys()) if (!live.has(k)) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Re-measures, in one batch, every layer asked for within idleMs whose value is refreshMs old. */
  async sweep(): Promise<void> {
    const now = this.now();
    const due: [string, Entry][] = [];
    for (const [k, e] of this.entries) {
      if (now - e.askedAt >= this.idleMs || e.pending) continue;
      if (!e.value || now - e.value.at >= this.refreshMs) due.push([k, e]);
    }
    // A failed background measurement keeps the previous value (its age keeps growing; past maxAgeMs a caller measures and sees the error).
    await Promise.all(due.map(([k, e]) => this.measureEntry(k, e).catch(() => undefined)));
    if (![...this.entries.values()].some((e) => now - e.askedAt < this.idleMs)) this.stopSweeping();
  }

  /** Stops the background sweep (it restarts with the next request). */
  close(): void {
    this.stopSweeping();
  }

  private measureEntry(key: string, e: Entry): Promise<DiskUsageSample | undefined> {
    if (e.pending) return e.pending;
    const p = this.measureBatched(e.dir).then(
      (sample) => {
        e.pending = undefined;
        // Only while the entry is still the one for this key (not forgotten or replaced meanwhile).
        if (this.entries.get(key) === e) e.value = { sample, at: this.now() };
        return sample;
      },
      (err: unknown) => {
        e.pending = undefined;
        throw err;
      },
    );
    e.pending = p;
    return p;
  }

  /** Measures `dir` together with every other directory asked for in this event-loop turn. */
  private async measureBatched(dir: string): Promise<DiskUsageSample | undefined> {
    if (!this.batch) {
      const dirs = new Set<string>();
      const done = new Promise<void>((r) => setImmediate(r)).then(() => {
        this.batch = undefined;
        return this.measureMany([...dirs]);
      });
      this.batch = { dirs, done };
    }
    this.batch.dirs.add(dir);
    const r = (await this.batch.done).get(dir);
    if (r instanceof Error) throw r;
    return r && { ...r, timestampNs: BigInt(Date.now()) * 1_000_000n };
  }

  private startSweeping(): void {
    if (this.timer || !this.background) return;
    this.timer = setInterval(() => void this.sweep(), this.refreshMs);
    this.timer.unref();
  }

  private stopSweeping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
