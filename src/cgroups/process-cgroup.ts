// The cgroup of a process on this node, for the CLIs (berth top, stats):
// /proc/<pid>/cgroup names it per hierarchy (v1) or once (v2); its
// cgroup.procs, sub-cgroups included, are every process of a container.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CGROUP_ROOT } from './reader.js';

/** The cgroup directory of a process: v1's memory (or pids) hierarchy, else v2's unified one. */
export function cgroupDir(procCgroup: string, root = DEFAULT_CGROUP_ROOT, prefer: readonly string[] = ['memory', 'pids']): string | undefined {
  const lines = procCgroup.trim().split('\n').map((l) => {
    const [id, ctls, ...path] = l.split(':');
    return { id, ctls: (ctls ?? '').split(','), path: path.join(':') };
  });
  for (const ctl of prefer) {
    const l = lines.find((x) => x.ctls.includes(ctl));
    if (l) return join(root, ctl, l.path);
  }
  const unified = lines.find((x) => x.id === '0' && x.ctls.join('') === '');
  return unified ? join(root, unified.path) : undefined;
}

/** How many processes the container of `initPid` has (its cgroup's pids.current); undefined when unreadable. */
export async function pidCount(initPid: number): Promise<number | undefined> {
  try {
    const dir = cgroupDir(await readFile(`/proc/${initPid}/cgroup`, 'utf8'), DEFAULT_CGROUP_ROOT, ['pids']);
    return dir ? Number((await readFile(join(dir, 'pids.current'), 'utf8')).trim()) : undefined;
  } catch {
    return undefined;
  }
}

/** Every pid in the cgroup at `dir` and below. */
export async function cgroupPids(dir: string): Promise<number[]> {
  const own = (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).map(Number);
  const subs = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory());
  const nested = await Promise.all(subs.map((d) => cgroupPids(join(dir, d.name)).catch(() => [] as number[])));
  return [...own, ...nested.flat()];
}
