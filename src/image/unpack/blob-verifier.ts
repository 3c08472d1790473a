// Verifies a blob while it streams through: sha256 and byte count must match
// the descriptor. Fails as soon as the stream is longer than announced, and
// at the end on a short stream or a wrong digest (DataLoss naming the blob).
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BerthError, Code } from '../../util/errors.js';

export function dataLoss(what: string, detail: string): BerthError {
  return new BerthError(Code.DataLoss, 'image', `${what}: ${detail}; the download was discarded`);
}

export class BlobVerifier extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private seen = 0;

  constructor(
    private readonly digest: string,
    private readonly size: number,
    /** Names the blob in errors, e.g. "layer sha256:… of docker.io/library/busybox". */
    private readonly what: string,
  ) {
    super();
  }

  get bytes(): number {
    return this.seen;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.size >= 0 && this.seen > this.size) {
      cb(dataLoss(this.what, `more than the ${this.size} bytes its descriptor announces`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.size >= 0 && this.seen !== this.size) {
      cb(dataLoss(this.what, `${this.seen} bytes received, ${this.size} expected`));
      return;
    }
    const got = `sha256:${this.hash.digest('hex')}`;
    if (got !== this.digest) {
      cb(dataLoss(this.what, `digest mismatch: content is ${got}`));
      return;
    }
    cb();
  }
}
