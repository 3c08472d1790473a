// Decompression chosen by the content's magic bytes rather than the media
// type alone (mislabelled layers exist): gzip in Node's zlib, zstd through
// the zstd binary, anything else passed through as an uncompressed tar.
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { zstdDecompress } from './zstd.js';

/**
 * zlib's output buffer. Node's default (16 KiB) costs a thread-pool round trip
 * and a stream callback per 16 KiB of tar; measured here on a 185 MB image
 * (434 MB of tar) it made gunzip alone take 2.7 s of CPU against 1.1–1.3 s
 * with 256 KiB, and the whole pull 5.3–6.0 s against 3.2–3.3 s.
 */
const GUNZIP_CHUNK = 256 << 10;

export type Compression = 'gzip' | 'zstd' | 'none';

export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** A pipeline stage: compressed chunks in, tar bytes out. */
export function decompressStage(signal?: AbortSignal): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* decompress(source) {
    const it = source[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headLen = 0;
    let done = false;
    while (headLen < 4) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      head.push(r.value);
      headLen += r.value.length;
    }
    const first = Buffer.concat(head);
    async function* rest(): AsyncGenerator<Buffer> {
      if (first.length > 0) yield first;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    }
    const kind = sniffCompression(first);
    if (kind === 'none') {
      yield* rest();
    } else if (kind === 'zstd') {
      yield* zstdDecompress(rest(), signal);
    } else {
      const out = new PassThrough();
      const gz = createGunzip({ chunkSize: GUNZIP_CHUNK });
      const p = pipeline(rest(), gz, out);
      p.catch((e: unknown) => out.destroy(e as Error));
      for await (const chunk of out) yield chunk as Buffer;
      await p;
    }
  };
}
