// Which cgroup hierarchy the host uses, and reading a cgroup's sample from it.
// A unified (v2) host has cgroup.controllers at the mount root; a v1 or hybrid
// host (this one) has per-controller hierarchies there.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { clockNow, type CgroupSample, type Clock } from './cgroup-parse.js';
import { readCgroupV1 } from './cgroup-v1.js';
import { readCgroupV2 } from './cgroup-v2.js';

export type CgroupVersion = 1 | 2;

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
  ) {
    if (version) this.version = Promise.resolve(version);
  }

  /** Detected once, on first use. */
  cgroupVersion(): Promise<CgroupVersion> {
    this.version ??= detectCgroupVersion(this.root);
    return this.version;
  }

  /** Sample of the cgroup at `path` (relative to the hierarchy root); undefined when it does not exist. */
  async read(path: string): Promise<CgroupSample | undefined> {
    return (await this.cgroupVersion()) === 2 ? readCgroupV2(this.root, path, this.clock) : readCgroupV1(this.root, path, this.clock);
  }
}

/**
 * Pure: an OCI cgroupsPath or CRI cgroup_parent → path under the hierarchy root.
 * cgroupfs paths are taken as they are; systemd forms are expanded as runc
 * does: "a-b.slice" → /a.slice/a-b.slice, and "slice:prefix:name" →
 * <slice path>/prefix-name.scope.
 */
export function cgroupFsPath(path: string): string {
  const parts = path.split(':');
  if (parts.length === 3) {
    const [slice, prefix, name] = parts as [string, string, string];
    return `${expandSlice(slice || 'system.slice')}/${prefix ? `${prefix}-` : ''}${name}.scope`.replace(/^\/\//, '/');
  }
  if (path.endsWith('.slice') && !path.includes('/')) return expandSlice(path);
  return path;
}

function expandSlice(slice: string): string {
  if (slice === '-.slice') return '/';
  const base = slice.slice(0, -'.slice'.length);
  const words = base.split('-');
  let acc = '';
  let out = '';
  for (const w of words) {
    acc = acc ? `${acc}-${w}` : w;
    out += `/${acc}.slice`;
  }
  return out;
}
