// Small blobs (manifests, indexes, configs) by digest, verified before they
// are stored and written atomically: a blob on disk is always complete.
import { createHash } from 'node:crypto';
import { readFile, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../store/atomic-file.js';
import { errnoCode } from '../util/errors.js';
import { dataLoss } from './unpack/blob-verifier.js';
import { hexOf } from './layout.js';

export class ContentStore {
  private readonly sizes = new Map<string, number>();

  constructor(readonly dir: string) {}

  /** Loads the index of blobs present; removes temp files a crash left behind. */
  async init(): Promise<void> {
    await ensureDir(this.dir);
    for (const name of await readdir(this.dir)) {
      if (name.startsWith('.')) {
        await unlink(join(this.dir, name)).catch(() => undefined);
        continue;
      }
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      this.sizes.set(`sha256:${name}`, (await stat(join(this.dir, name))).size);
    }
  }

  has(digest: string): boolean {
    return this.sizes.has(digest);
  }

  path(digest: string): string {
    return join(this.dir, hexOf(digest));
  }

  /** Stores `data` if it is what `digest` names; DataLoss naming `what` otherwise. */
  async put(digest: string, data: Buffer, what: string): Promise<void> {
    const got = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (got !== digest) throw dataLoss(what, `digest mismatch: content is ${got}`);
    if (this.sizes.has(digest)) return;
    await writeFileAtomic(this.path(digest), data, 0o644);
    this.sizes.set(digest, data.length);
  }

  async get(digest: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(digest));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  async delete(digest: string): Promise<void> {
    this.sizes.delete(digest);
    await unlink(this.path(digest)).catch((e: unknown) => {
      if (errnoCode(e) !== 'ENOENT') throw e;
    });
  }

  digests(): string[] {
    return [...this.sizes.keys()];
  }

  totalBytes(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  get count(): number {
    return this.sizes.size;
  }
}
