// The pod's mounts (shm tmpfs, the private <state>/ns mount, namespace pins)
// through the berth-sys helper (Node has no mount syscall), and the mount
// table as read from /proc/self/mountinfo.
import { readFile } from 'node:fs/promises';
import { sysMount, sysUnmount } from '../oci/berth-sys.js';

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
  await sysMount('runtime', { type: 'tmpfs', source: 'shm', target, data: `mode=${opts.mode.toString(8)},size=${opts.sizeBytes}`, flags: ['nosuid', 'nodev', 'noexec'] });
}

/** Makes `dir` a mount point of its own with private propagation (as `ip netns` does for /run/netns). */
export async function bindSelfPrivate(dir: string): Promise<void> {
  await sysMount('runtime', { type: '-', source: dir, target: dir, flags: ['bind', 'private'] });
}

/** Unmounts whichever of `paths` are mounted, in one helper call (the others are skipped). */
export async function unmountAll(paths: readonly string[]): Promise<void> {
  await sysUnmount('runtime', paths);
}
