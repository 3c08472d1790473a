// Extracted layers, one directory per chain ID, shared by every image built
// on the same chain. A layer is extracted into <image>/tmp and renamed into
// place only when complete and verified, so a layer directory on disk is
// always whole; concurrent requests for one chain ID share one download.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ensureDir, readJson, writeJsonAtomic } from '../store/atomic-file.js';
import { BerthError, Code } from '../util/errors.js';
import { failpoint } from '../util/failpoint.js';
import { hexOf } from './layout.js';
import { unpackLayer } from './unpack/unpack-layer.js';

export interface LayerRecord {
  chainId: string;
  diffId: string;
  /** Chain ID of the layer below; absent for the base layer. */
  parent?: string;
  /** Compressed blob it came from. */
  digest: string;
  size: number;
  /** Approximate disk use of the extracted layer (from its tar headers). */
  usedBytes: number;
  inodes: number;
}

export interface LayerSource {
  digest: string;
  size: number;
  diffId: string;
  parent?: string;
  /** Names the layer in errors: "layer sha256:… of docker.io/library/busybox:latest". */
  what: string;
  open(): Promise<Readable>;
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
}

const DOWNLOAD_ATTEMPTS = 3;
const FINAL = new Set([Code.DataLoss, Code.FailedPrecondition, Code.Unauthenticated, Code.PermissionDenied, Code.NotFound, Code.InvalidArgument, Code.Cancelled, Code.ResourceExhausted]);

function retryable(e: unknown): boolean {
  return !(e instanceof BerthError && FINAL.has(e.code));
}

/** A counting semaphore: bounds concurrent layer downloads (as containerd's max_concurrent_downloads). */
class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

export class LayerStore {
  private readonly layers = new Map<string, LayerRecord>();
  private readonly inflight = new Map<string, Promise<LayerRecord>>();
  private readonly slots: Semaphore;

  constructor(
    readonly dir: string,
    readonly tmp: string,
    concurrency = 3,
    /** [image] min_free_space in bytes; undefined: the default share of the disk. */
    private readonly minFreeBytes?: number,
  ) {
    this.slots = new Semaphore(concurrency);
  }

  /** Loads complete layers; discards anything incomplete (no layer.json). */
  async init(onDiscard: (what: string) => void): Promise<void> {
    await ensureDir(this.dir, 0o711);
    for (const name of await readdir(this.dir)) {
      const rec = /^[0-9a-f]{64}$/.test(name) ? await readJson<LayerRecord>(join(this.dir, name, 'layer.json')).catch(() => undefined) : undefined;
      if (rec && rec.chainId === `sha256:${name}`) this.layers.set(rec.chainId, rec);
      else {
        onDiscard(`incomplete layer ${name}`);
        await rm(join(this.dir, name), { recursive: true, force: true });
      }
    }
  }

  get(chainId: string): LayerRecord | undefined {
    return this.layers.get(chainId);
  }

  all(): IterableIterator<LayerRecord> {
    return this.layers.values();
  }

  isBusy(chainId: string): boolean {
    return this.inflight.has(chainId);
  }

  diffDir(chainId: string): string {
    return join(this.dir, hexOf(chainId), 'diff');
  }

  /** The layer, extracted now if it is not yet present (once, however many ask). */
  ensure(chainId: string, src: LayerSource): Promise<LayerRecord> {
    const have = this.layers.get(chainId);
    if (have) return Promise.resolve(have);
    let p = this.inflight.get(chainId);
    if (!p) {
      p = this.extract(chainId, src).finally(() => this.inflight.delete(chainId));
      this.inflight.set(chainId, p);
    }
    return p;
  }

  /** A download cut mid-stream is tried again from scratch; verification and policy failures are not. */
  private async extract(chainId: string, src: LayerSource): Promise<LayerRecord> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.extractOnce(chainId, src);
      } catch (e) {
        if (attempt >= DOWNLOAD_ATTEMPTS || !retryable(e)) throw e;
      }
    }
  }

  private async extractOnce(chainId: string, src: LayerSource): Promise<LayerRecord> {
    const release = await this.slots.acquire();
    const work = join(this.tmp, `unpack-${hexOf(chainId).slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(join(work, 'diff'), { recursive: true, mode: 0o755 });
      const source = await src.open();
      const stats = await unpackLayer({
        source,
        digest: src.digest,
        size: src.size,
        diffId: src.diffId,
        dir: join(work, 'diff'),
        what: src.what,
        ...(src.signal ? { signal: src.signal } : {}),
        ...(src.onBytes ? { onBytes: src.onBytes } : {}),
        ...(this.minFreeBytes !== undefined ? { minFreeBytes: this.minFreeBytes } : {}),
      });
      const rec: LayerRecord = {
        chainId,
        diffId: src.diffId,
        ...(src.parent ? { parent: src.parent } : {}),
        digest: src.digest,
        size: src.size,
        usedBytes: stats.usedBytes,
        inodes: stats.inodes,
      };
      await writeJsonAtomic(join(work, 'layer.json'), rec, 0o644);
      await rename(work, join(this.dir, hexOf(chainId)));
      this.layers.set(chainId, rec);
      failpoint('image.after-layer');
      return rec;
    } catch (e) {
      await rm(work, { recursive: true, force: true });
      throw e;
    } finally {
      release();
    }
  }

  /** Removes a layer: renamed out of sight first, so a crash mid-delete leaves only tmp garbage. */
  async remove(chainId: string): Promise<void> {
    if (!this.layers.delete(chainId)) return;
    const doomed = join(this.tmp, `delete-${hexOf(chainId).slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    await rename(join(this.dir, hexOf(chainId)), doomed);
    await rm(doomed, { recursive: true, force: true });
  }
}
