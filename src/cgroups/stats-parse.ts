// Pure parsers of cgroup interface files and the normalised sample both
// hierarchies are reduced to. Values are bigint: v1 reports "unlimited" as
// 2^63 rounded down to a page, past Number's exact range.
import { invalidArgument } from '../util/errors.js';

export interface MemorySample {
  usageBytes: bigint;
  /** usage − inactive file pages (the kubelet/cadvisor working set), floored at 0. */
  workingSetBytes: bigint;
  rssBytes: bigint;
  pageFaults: bigint;
  majorPageFaults: bigint;
  /** Undefined when unlimited. */
  limitBytes?: bigint;
  /** limit − working set, when a limit is set. */
  availableBytes?: bigint;
  /** OOM kills in this cgroup, when the kernel reports them. */
  oomKills?: bigint;
}

export interface SwapSample {
  usageBytes: bigint;
  /** Undefined when unlimited. */
  limitBytes?: bigint;
}

/** Reads one interface file: its text, or undefined when it does not exist. */
export type ReadFile = (path: string) => Promise<string | undefined>;

/** The optional parts of a sample: a caller that does not use them spares their files (a tenth of a stats poll each). */
export interface SampleParts {
  /** pids.current (pod process counts). */
  pids: boolean;
  /** OOM kill counter (memory.oom_control / memory.events; metrics). */
  oomKills: boolean;
}

export const ALL_PARTS: SampleParts = Object.freeze({ pids: true, oomKills: true });

export interface Clock {
  /** Wall clock, ns since the epoch (the CRI timestamp). */
  timestampNs: bigint;
  /** Monotonic ns (rates are computed on it). */
  monotonicNs: bigint;
}

export interface CgroupSample extends Clock {
  cpu?: { usageNs: bigint };
  memory?: MemorySample;
  swap?: SwapSample;
  pids?: { current: bigint };
}

export function clockNow(): Clock {
  return { timestampNs: BigInt(Date.now()) * 1_000_000n, monotonicNs: process.hrtime.bigint() };
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control); other lines are skipped. */
export function parseFlatKeyed(text: string, only?: ReadonlySet<string>): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    // With `only`, other keys are skipped before any parsing (v1 memory.stat has ~70 lines; a stats poll reads 100 of them).
    if (only) {
      const sp = line.indexOf(' ');
      if (sp > 0 && !only.has(line.slice(0, sp))) continue;
    }
    const m = /^(\S+)\s+(\d+)\s*$/.exec(line);
    if (m && (!only || only.has(m[1] as string))) out.set(m[1] as string, BigInt(m[2] as string));
  }
  return out;
}

/** A file holding one unsigned number; "max" (v2's unlimited) → 'max'; anything else → undefined. */
export function parseUint(text: string | undefined): bigint | 'max' | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === 'max') return 'max';
  return /^\d+$/.test(t) ? BigInt(t) : undefined;
}

/** As containerd: above 2^62 is "no limit" (v1 writes 2^63 rounded down to the page size). */
const UNLIMITED_ABOVE = 1n << 62n;

export function limitOf(v: bigint | 'max' | undefined): bigint | undefined {
  if (v === undefined || v === 'max' || v > UNLIMITED_ABOVE) return undefined;
  return v;
}

export function numberOf(v: bigint | 'max' | undefined): bigint | undefined {
  return typeof v === 'bigint' ? v : undefined;
}

/** Working set and available bytes as the kubelet/cadvisor compute them. */
export function memorySample(a: {
  usage: bigint;
  inactiveFile: bigint | undefined;
  rss: bigint | undefined;
  pageFaults: bigint | undefined;
  majorPageFaults: bigint | undefined;
  limit: bigint | undefined;
  oomKills: bigint | undefined;
}): MemorySample {
  const inactive = a.inactiveFile ?? 0n;
  const workingSetBytes = a.usage > inactive ? a.usage - inactive : 0n;
  const m: MemorySample = {
    usageBytes: a.usage,
    workingSetBytes,
    rssBytes: a.rss ?? 0n,
    pageFaults: a.pageFaults ?? 0n,
    majorPageFaults: a.majorPageFaults ?? 0n,
  };
  if (a.limit !== undefined) {
    m.limitBytes = a.limit;
    m.availableBytes = a.limit > workingSetBytes ? a.limit - workingSetBytes : 0n;
  }
  if (a.oomKills !== undefined) m.oomKills = a.oomKills;
  return m;
}

/** A cgroup path relative to a hierarchy root, normalised to "/a/b"; rejects ".." (it must stay inside the hierarchy). */
export function normaliseCgroupPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || p.includes('\0'))) throw invalidArgument('stats', `cgroup path "${path}" must not contain ".."`);
  return `/${parts.join('/')}`;
}
