// Keeps a layer from filling the image store's disk. A layer's descriptor
// gives its compressed size only; what it expands to is known when it has
// expanded (a decompression bomb: a few MB of gzip become GBs of zeros). The
// uncompressed stream passes through here; every few MiB the free space of
// the disk under the layer is checked, and the unpack stops while a reserve
// is still free, so the node's other writers (containers' writable layers,
// logs, records) never meet a full disk because of a pull.
import { statfs } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { BerthError, Code } from '../../util/errors.js';

/** Uncompressed bytes between two looks at the disk. */
export const CHECK_EVERY = 4 << 20;
const DEFAULT_RESERVE_CAP = 1 << 30;
const DEFAULT_RESERVE_SHARE = 0.05;

/**
 * Pure: the bytes to keep free on a disk of `totalBytes`. `configured`
 * (`[image] min_free_space`) wins when set; by default 5 % of the disk, at
 * most 1 GiB (a small test disk keeps a small reserve, a node's a useful one).
 */
export function reserveBytes(totalBytes: number, configured: number | undefined): number {
  if (configured !== undefined) return configured;
  return Math.min(DEFAULT_RESERVE_CAP, Math.floor(totalBytes * DEFAULT_RESERVE_SHARE));
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toFixed(1))} ${units[i]}`;
}

export class SpaceWatch extends Transform {
  private sinceCheck = 0;
  private total = 0;

  constructor(
    private readonly dir: string,
    private readonly configured: number | undefined,
    private readonly what: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.total += chunk.length;
    this.sinceCheck += chunk.length;
    if (this.sinceCheck < CHECK_EVERY) {
      cb(null, chunk);
      return;
    }
    this.sinceCheck = 0;
    statfs(this.dir).then(
      (s) => {
        const free = s.bavail * s.bsize;
        const reserve = reserveBytes(s.blocks * s.bsize, this.configured);
        if (free < reserve) {
          cb(
            new BerthError(
              Code.ResourceExhausted,
              'storage',
              `${this.what}: no space left on the image store's disk for it: after ${formatBytes(this.total)} uncompressed, ${formatBytes(free)} is free and ${formatBytes(reserve)} is kept free ([image] min_free_space)`,
            ),
          );
          return;
        }
        cb(null, chunk);
      },
      // Cannot tell (the directory went away with a cancelled pull): let tar report what happens.
      () => cb(null, chunk),
    );
  }
}
