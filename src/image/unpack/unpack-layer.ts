// One layer from a compressed byte stream to an extracted directory, all
// streaming: verify (digest, size) → decompress → space watch (the disk's
// reserve) → guard (confinement, whiteouts, diff_id) → GNU tar. Opaque directories are marked afterwards.
// The caller owns `dir` (fresh and empty) and removes it on any failure.
import { mkdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, Code, errnoCode } from '../../util/errors.js';
import { BlobVerifier, dataLoss } from './blob-verifier.js';
import { decompressStage } from './decompress.js';
import { tarExtract } from './gnu-tar.js';
import { markOpaque } from './setfattr.js';
import { SpaceWatch } from './space-watch.js';
import { TarGuard, UnsafeLayerError, type GuardStats } from './tar-guard.js';

export interface UnpackRequest {
  source: Readable;
  /** Compressed blob digest and size from the manifest. */
  digest: string;
  size: number;
  /** Expected sha256 of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  dir: string;
  /** Names the layer in errors. */
  what: string;
  signal?: AbortSignal;
  /** Bytes of compressed input seen so far (progress). */
  onBytes?: (n: number) => void;
  /** Bytes to keep free on the disk ([image] min_free_space); undefined: the default share. */
  minFreeBytes?: number;
}

export async function unpackLayer(req: UnpackRequest): Promise<GuardStats> {
  const ac = new AbortController();
  const onOuterAbort = (): void => ac.abort();
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const verifier = new BlobVerifier(req.digest, req.size, req.what);
  if (req.onBytes) verifier.on('data', (c: Buffer) => req.onBytes?.(c.length));
  const guard = new TarGuard();
  // The two halves fail each other: a refused entry errors the guard, which
  // kills tar (its stdin broke); a tar failure aborts the pipeline. Whichever
  // settles first is timing, so the cause is chosen by kind, not by order:
  // the stream's own error (refusal, digest, decompression) unless it is only
  // the abort that tar's failure caused.
  let streamErr: unknown;
  let tarErr: unknown;
  try {
    await Promise.all([
      pipeline(req.source, verifier, decompressStage(ac.signal), new SpaceWatch(req.dir, req.minFreeBytes, req.what), guard, { signal: ac.signal }).catch((e: unknown) => {
        streamErr = e;
        ac.abort();
      }),
      // guard's readable side feeds tar.
      tarExtract({ dir: req.dir, stdin: guard, signal: ac.signal }).then(() => guard.resume(), (e: unknown) => {
        tarErr = e;
        ac.abort();
      }),
    ]);
    if (req.signal?.aborted) throw new BerthError(Code.Cancelled, 'image', `${req.what}: pull cancelled`);
    const cause = streamErr !== undefined && !(isAbort(streamErr) && tarErr !== undefined) ? streamErr : tarErr;
    if (cause !== undefined) throw translate(cause, req.what, verifier.bytes, req.size);
    const stats = guard.summary();
    if (stats.diffId !== req.diffId) throw dataLoss(req.what, `uncompressed content is ${stats.diffId}, the image config says ${req.diffId}`);
    // Bytes, not strings: names need not be UTF-8.
    for (const d of stats.opaqueDirs) await mkdir(Buffer.concat([Buffer.from(`${req.dir}/`), Buffer.from(d, 'latin1')]), { recursive: true });
    await markOpaque(req.dir, stats.opaqueDirs);
    return stats;
  } finally {
    req.signal?.removeEventListener('abort', onOuterAbort);
  }
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

function translate(e: unknown, what: string, received: number, size: number): unknown {
  if (e instanceof UnsafeLayerError) return new BerthError(Code.FailedPrecondition, 'image', `${what}: refused: ${e.message}`);
  const msg = e instanceof Error ? e.message : String(e);
  // tar hit a full disk (GNU tar reports a short write without errno): say so, with a code no retry loop treats as transient.
  if (/No space left on device|ENOSPC|Wrote only \d+ of \d+ bytes/.test(msg)) {
    return new BerthError(Code.ResourceExhausted, 'storage', `${what}: no space left on the image store's disk: ${msg.replace(/^[a-z]+: /, '')}`, { cause: e });
  }
  // The registry's connection died mid-body (Node says only "aborted"): transient, and retried by the layer store.
  if (!(e instanceof BerthError) && (msg === 'aborted' || ['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'EPIPE'].includes(errnoCode(e) ?? ''))) {
    return new BerthError(Code.Unavailable, 'image', `${what}: the registry closed the connection after ${received} of ${size} bytes (${msg})`, { cause: e });
  }
  if (e instanceof BerthError) return e;
  if (/incorrect (header|data) check|unexpected end of file|invalid (block type|distance|stored block)|zlib/i.test(msg)) {
    return new BerthError(Code.DataLoss, 'image', `${what}: corrupt compressed data: ${msg}`);
  }
  return new BerthError(Code.Internal, 'image', `${what}: ${msg}`, { cause: e });
}
