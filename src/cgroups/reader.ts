// Which cgroup hierarchy the host uses, and reading a cgroup's sample from it.
// A unified (v2) host has cgroup.controllers at the mount root; a v1 or hybrid
// host (this one) has per-controller hierarchies there.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readOptional } from './read-optional.js';
import { ALL_PARTS, clockNow, type CgroupSample, type Clock, type ReadFile, type SampleParts } from './stats-parse.js';
import { readCgroupV1 } from './stats-v1.js';
import { readCgroupV2 } from './stats-v2.js';

import type { CgroupVersion } from './driver.js';

export type { CgroupVersion };

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';

export async function detectCgroupVersion(root = DEFAULT_CGROUP_ROOT): Promise<CgroupVersion> {
  try {
    await access(join(root, 'cgroup.controllers'));
    return 2;
  } catch {
    return 1;
  }
}

export class CgroupReader {
  private version: Promise<CgroupVersion> | undefined;

  constructor(
    readonly root = DEFAULT_CGROUP_ROOT,
    version?: CgroupVersion,
    /** Injectable for tests (rates over a known interval). */
    private readonly clock: () => Clock = clockNow,
    /** How interface files are read (the stats collector passes held descriptors: held-files.ts). */
    private readonly readFile: ReadFile = readOptional,
  ) {
    if (version) this.version = Promise.resolve(version);
  }

  /** Detected once, on first use. */
  cgroupVersion(): Promise<CgroupVersion> {
    this.version ??= detectCgroupVersion(this.root);
    return this.version;
  }

  /** Sample of the cgroup at `path` (relative to the hierarchy root); undefined when it does not exist. */
  async read(path: string, parts: SampleParts = ALL_PARTS): Promise<CgroupSample | undefined> {
    return (await this.cgroupVersion()) === 2
      ? readCgroupV2(this.root, path, this.clock, this.readFile, parts)
      : readCgroupV1(this.root, path, this.clock, this.readFile, parts);
  }
}
