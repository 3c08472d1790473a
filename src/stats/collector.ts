// The stats subsystem's state, one per daemon: the cgroup reader (hierarchy
// detected once), previous CPU samples for rates, cached writable-layer usage,
// and the network reader. Per-id state is dropped by forget() (container
// removed) or retain() (whatever a List no longer sees).
import type { Clock } from '../cgroups/stats-parse.js';
import { HeldFiles } from '../cgroups/held-files.js';
import { CgroupReader, type CgroupVersion } from '../cgroups/reader.js';
import { CpuRateTracker, type CpuRateOptions } from './cpu-rate.js';
import { FsUsageCache, type FsUsageCacheOptions } from './fs-usage.js';
import { readNetDevInNetns, type NetDevCounters } from './net-stats.js';

export interface StatsCollectorOptions {
  /** Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  /** Skip detection (tests). */
  cgroupVersion?: CgroupVersion;
  /** Sample clock (tests). */
  clock?: () => Clock;
  cpu?: CpuRateOptions;
  fs?: FsUsageCacheOptions;
  /** Injectable for tests; default nsenter + /proc/net/dev. */
  readNetDev?: (netnsPath: string) => Promise<NetDevCounters[]>;
}

export class StatsCollector {
  readonly cgroups: CgroupReader;
  /** The cgroup files' descriptors, kept between polls. */
  readonly files = new HeldFiles();
  readonly cpuRates: CpuRateTracker;
  readonly fsUsage: FsUsageCache;
  readonly readNetDev: (netnsPath: string) => Promise<NetDevCounters[]>;

  constructor(o: StatsCollectorOptions = {}) {
    this.cgroups = new CgroupReader(o.cgroupRoot, o.cgroupVersion, o.clock, (p) => this.files.read(p));
    this.cpuRates = new CpuRateTracker(o.cpu);
    this.fsUsage = new FsUsageCache(o.fs);
    this.readNetDev = o.readNetDev ?? ((p) => readNetDevInNetns(p));
  }

  /** A container or pod went away. */
  forget(id: string): void {
    this.cpuRates.forget(id);
    this.fsUsage.forget(id);
  }

  /** Keeps per-id state only for `live` ids. */
  retain(live: ReadonlySet<string>): void {
    this.cpuRates.retain(live);
    this.fsUsage.retain(live);
    // Called after an unfiltered List, which read every live cgroup: the others' descriptors go.
    this.files.closeIdle();
  }

  /** Background work and held descriptors end (daemon shutdown). */
  close(): void {
    this.fsUsage.close();
    this.files.close();
  }
}
