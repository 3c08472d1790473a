// Typed wrapper of GNU du: allocated bytes (-B1) and inodes (--inodes) of
// trees, many in one run (one du per mode however many containers: a
// refresh of 100 writable layers is two processes, not two hundred).
import { access } from 'node:fs/promises';
import { runTool } from '../util/run-tool.js';
import { errnoCode, internal } from '../util/errors.js';
import type { DiskUsage } from './fs-usage.js';

const TIMEOUT_MS = 60_000;

/** Pure: the total of `du -s` output ("<n>\t<path>\n"). */
export function parseDuTotal(out: string): bigint | undefined {
  const m = /^(\d+)\s/.exec(out.trim().split('\n').pop() ?? '');
  return m ? BigInt(m[1] as string) : undefined;
}

/** Pure: `du -s A B …` output → total per path (a path du could not read has no line). */
export function parseDuLines(out: string): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const line of out.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    const n = line.slice(0, tab);
    if (/^\d+$/.test(n)) totals.set(line.slice(tab + 1), BigInt(n));
  }
  return totals;
}

async function du(dirs: readonly string[], mode: '-B1' | '--inodes'): Promise<{ totals: Map<string, bigint>; stderr: string }> {
  // Exit status 1: some entries vanished during the walk (or a tree is gone); the other totals are still printed.
  const r = await runTool({ layer: 'stats', cmd: 'du', args: ['-s', '-x', mode, '--', ...dirs], timeoutMs: TIMEOUT_MS, okCodes: [0, 1] });
  return { totals: parseDuLines(r.stdout), stderr: r.stderr };
}

/**
 * Usage of each of `dirs`: a directory that does not exist maps to
 * undefined; one du could not measure for another reason to an Error.
 * Hard links are counted once across all of them, as within one (the upper
 * dirs of different containers share no inodes).
 */
export async function duDiskUsageMany(dirs: readonly string[]): Promise<Map<string, DiskUsage | undefined | Error>> {
  const out = new Map<string, DiskUsage | undefined | Error>();
  if (dirs.length === 0) return out;
  const [bytes, inodes] = await Promise.all([du(dirs, '-B1'), du(dirs, '--inodes')]);
  for (const dir of dirs) {
    const b = bytes.totals.get(dir);
    const i = inodes.totals.get(dir);
    if (b !== undefined && i !== undefined) {
      out.set(dir, { bytes: b, inodes: i });
      continue;
    }
    const gone = await access(dir).then(
      () => false,
      (e: unknown) => errnoCode(e) === 'ENOENT',
    );
    out.set(dir, gone ? undefined : internal('stats', `du ${dir}: no total in output: ${(bytes.stderr + inodes.stderr).trim().slice(0, 200)}`));
  }
  return out;
}

export async function duDiskUsage(dir: string): Promise<DiskUsage> {
  const r = (await duDiskUsageMany([dir])).get(dir);
  if (r instanceof Error) throw r;
  if (!r) throw internal('stats', `du ${dir}: the directory does not exist`);
  return r;
}
