// Bytes and inodes used below a directory, walked asynchronously (never on
// the request path synchronously) and cached for a few seconds: the kubelet
// asks every ten seconds or so.
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../util/errors.js';

export interface Usage {
  bytes: number;
  inodes: number;
}

export async function walkUsage(dir: string): Promise<Usage> {
  const seen = new Set<string>();
  const u: Usage = { bytes: 0, inodes: 0 };
  const visit = async (path: string): Promise<void> => {
    let st;
    try {
      st = await lstat(path);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      throw e;
    }
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    u.inodes++;
    u.bytes += st.blocks * 512;
    if (!st.isDirectory()) return;
    let d;
    try {
      d = await opendir(path);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      throw e;
    }
    for await (const ent of d) await visit(join(path, ent.name));
  };
  await visit(dir);
  return u;
}

export class CachedUsage {
  private last: { at: number; usage: Usage } | undefined;
  private running: Promise<Usage> | undefined;

  constructor(
    private readonly dir: string,
    private readonly maxAgeMs = 10_000,
  ) {}

  get(): Promise<Usage> {
    if (this.last && Date.now() - this.last.at < this.maxAgeMs) return Promise.resolve(this.last.usage);
    this.running ??= walkUsage(this.dir)
      .then((usage) => {
        this.last = { at: Date.now(), usage };
        return usage;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
