// Typed wrapper of util-linux mount/umount (Node has no mount syscall), and
// the mount table as read from /proc/self/mountinfo. Used for the pod's shm
// tmpfs, the private <state>/ns mount and the namespace pins.
import { readFile } from 'node:fs/promises';
import { runTool } from '../util/run-tool.js';

const TIMEOUT_MS = 30_000;

/** Pure: the mount points listed in a mountinfo text (field 5, octal escapes decoded). */
export function parseMountPoints(mountinfo: string): Set<string> {
  const out = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    out.add(unescapeMountPath(f[4] as string));
  }
  return out;
}

function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export async function mountPoints(): Promise<Set<string>> {
  return parseMountPoints(await readFile('/proc/self/mountinfo', 'utf8'));
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountPoints()).has(path);
}

export async function mountTmpfs(target: string, opts: { sizeBytes: number; mode: number }): Promise<void> {
  const options = `rw,nosuid,nodev,noexec,mode=${opts.mode.toString(8)},size=${opts.sizeBytes}`;
  await runTool({ layer: 'runtime', cmd: 'mount', args: ['-t', 'tmpfs', '-o', options, 'shm', target], timeoutMs: TIMEOUT_MS });
}

/** Makes `dir` a mount point of its own with private propagation (as `ip netns` does for /run/netns). */
export async function bindSelfPrivate(dir: string): Promise<void> {
  await runTool({ layer: 'runtime', cmd: 'mount', args: ['--bind', '--make-private', dir, dir], timeoutMs: TIMEOUT_MS });
}

/** Unmounts whichever of `paths` are mounted now, in one umount call. */
export async function unmountAll(paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  const mounted = await mountPoints();
  const targets = paths.filter((p) => mounted.has(p));
  if (targets.length === 0) return;
  await runTool({ layer: 'runtime', cmd: 'umount', args: targets, timeoutMs: TIMEOUT_MS });
}
