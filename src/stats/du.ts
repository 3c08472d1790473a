// Typed wrapper of GNU du: allocated bytes (-B1) and inodes (--inodes) of a tree.
import { runTool } from '../util/run-tool.js';
import { internal } from '../util/errors.js';
import type { DiskUsage } from './fs-usage.js';

const TIMEOUT_MS = 60_000;

/** Pure: the total of `du -s` output ("<n>\t<path>\n"). */
export function parseDuTotal(out: string): bigint | undefined {
  const m = /^(\d+)\s/.exec(out.trim().split('\n').pop() ?? '');
  return m ? BigInt(m[1] as string) : undefined;
}

async function du(dir: string, mode: '-B1' | '--inodes'): Promise<bigint> {
  // Exit status 1: some entries vanished during the walk; the total is still printed.
  const r = await runTool({ layer: 'stats', cmd: 'du', args: ['-s', '-x', mode, '--', dir], timeoutMs: TIMEOUT_MS, okCodes: [0, 1] });
  const n = parseDuTotal(r.stdout);
  if (n === undefined) throw internal('stats', `du ${mode} ${dir}: no total in output: ${r.stderr.trim().slice(0, 200)}`);
  return n;
}

export async function duDiskUsage(dir: string): Promise<DiskUsage> {
  const [bytes, inodes] = await Promise.all([du(dir, '-B1'), du(dir, '--inodes')]);
  return { bytes, inodes };
}
