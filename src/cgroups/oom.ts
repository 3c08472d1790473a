// OOM kills as the kernel counts them per cgroup: v2 memory.events
// (oom_kill), v1 memory.oom_control (oom_kill, kernel ≥ 4.13). conmon 2.1.6
// misses some OOM kills on v2, so this is the cross-check; and a watch on
// memory.events sees the kill while the cgroup still exists (a systemd scope
// is removed as soon as its last process is gone).
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { CgroupVersion } from './driver.js';
import { readOptional } from './read-optional.js';
import { normaliseCgroupPath, parseFlatKeyed } from './stats-parse.js';

export function oomEventsFile(root: string, version: CgroupVersion, fsPath: string): string {
  const rel = normaliseCgroupPath(fsPath);
  return version === 2 ? join(root, rel, 'memory.events') : join(root, 'memory', rel, 'memory.oom_control');
}

/** Pure: oom_kill of memory.events / memory.oom_control text; undefined when the line is absent. */
export function parseOomKills(text: string | undefined): bigint | undefined {
  return text === undefined ? undefined : parseFlatKeyed(text).get('oom_kill');
}

export async function readOomKills(file: string): Promise<bigint | undefined> {
  return parseOomKills(await readOptional(file).catch(() => undefined));
}

/**
 * Calls onOom once when the cgroup's oom_kill count rises above what it was
 * when the watch began (inotify: the kernel notifies on memory.events
 * changes). Returns the stop function; inert when the file does not exist.
 */
export async function watchOomKills(file: string, onOom: () => void): Promise<() => void> {
  const base = (await readOomKills(file)) ?? 0n;
  let watcher: FSWatcher | undefined;
  let fired = false;
  const check = (): void => {
    void readOomKills(file).then((n) => {
      if (!fired && n !== undefined && n > base) {
        fired = true;
        onOom();
      }
    });
  };
  try {
    watcher = watch(file, { persistent: false }, check);
    watcher.on('error', () => watcher?.close());
  } catch {
    return () => undefined;
  }
  return () => watcher?.close();
}
