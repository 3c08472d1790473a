// conmon writes `<exits>/<id>` (the exit code as text) when a container
// exits. One inotify watch on that directory turns those files into events;
// a rescan covers files written while berthd was not watching.
import { watch, type FSWatcher } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../util/errors.js';
import type { Logger } from '../util/log.js';

export interface ExitEvent {
  id: string;
  exitCode: number;
  /** When the file was written: the finish time, in ns. */
  finishedAtNs: bigint;
}

/** Pure: conmon's exit file content → code (death by signal N is 128+N already). */
export function parseExitFile(text: string): number | undefined {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return undefined;
  return Number(t);
}

export class ExitWatcher {
  private watcher: FSWatcher | undefined;
  private readonly seen = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly onExit: (e: ExitEvent) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.watcher = watch(this.dir, { persistent: false }, (_type, name) => {
      if (name) void this.check(name.toString());
    });
    this.watcher.on('error', (e) => this.log.error('exit watcher failed', { dir: this.dir, error: e }));
  }

  /** Reads every exit file now (start-up, or a missed event). */
  async rescan(): Promise<void> {
    for (const name of await readdir(this.dir)) await this.check(name);
  }

  /** An exit file for `id`, if present (used on demand, e.g. before reporting state). */
  async read(id: string): Promise<ExitEvent | undefined> {
    const file = join(this.dir, id);
    try {
      const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file, { bigint: true })]);
      const code = parseExitFile(text);
      if (code === undefined) return undefined; // still being written
      return { id, exitCode: code, finishedAtNs: st.mtimeNs };
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Forget an id once its container is removed (its exit file is deleted by the caller). */
  forget(id: string): void {
    this.seen.delete(id);
  }

  close(): void {
    this.watcher?.close();
  }

  private async check(id: string): Promise<void> {
    if (this.seen.has(id) || id.startsWith('.')) return;
    const ev = await this.read(id).catch(() => undefined);
    if (!ev || this.seen.has(id)) return;
    this.seen.add(id);
    this.onExit(ev);
  }
}
