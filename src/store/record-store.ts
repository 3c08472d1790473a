// A directory of JSON records, one file per id, written atomically. berthd
// keeps the live copy in memory and this on disk; loadAll() rebuilds memory
// on start. Corrupt or half-written records are reported, not fatal.
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../util/errors.js';
import { ensureDir, readJson, writeJsonAtomic } from './atomic-file.js';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class RecordStore<T> {
  /** `durable`: fsync every write (see atomic-file.ts for the trade-off). */
  constructor(
    readonly dir: string,
    private readonly durable = true,
  ) {}

  async init(): Promise<void> {
    await ensureDir(this.dir);
  }

  path(id: string): string {
    if (!ID_RE.test(id)) throw new Error(`invalid record id "${id}"`);
    return join(this.dir, `${id}.json`);
  }

  async put(id: string, record: T): Promise<void> {
    await writeJsonAtomic(this.path(id), record, { durable: this.durable });
  }

  async get(id: string): Promise<T | undefined> {
    return readJson<T>(this.path(id));
  }

  async delete(id: string): Promise<void> {
    try {
      await unlink(this.path(id));
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
  }

  /** Every readable record; unreadable ones are returned separately for the caller to log and discard. */
  async loadAll(): Promise<{ records: Map<string, T>; corrupt: string[] }> {
    const records = new Map<string, T>();
    const corrupt: string[] = [];
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return { records, corrupt };
      throw e;
    }
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const id = name.slice(0, -'.json'.length);
      try {
        const rec = await readJson<T>(join(this.dir, name));
        if (rec !== undefined) records.set(id, rec);
      } catch {
        corrupt.push(id);
      }
    }
    return { records, corrupt };
  }
}
