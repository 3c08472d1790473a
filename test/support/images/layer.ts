// One layer: uncompressed tar → diff_id, compressed blob → digest. Results
// are cached per (source, compression) so shared layers (busybox under most
// test images) are compressed once per work dir, not once per image.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, lstat, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { adoptBlob, blobPath, exists, hashFile, readCache, tmpPath, writeCache } from './store.js';
import { entriesKey, writeTar } from './tar.js';
import { tar, zstd } from './tools.js';
import type { Compression, LayerSource, LayerSpec } from './types.js';

/** Bump when the way layers are produced changes, to invalidate caches. */
const LAYER_FORMAT = 'v1';

export interface LayerBlob {
  digest: string;
  size: number;
  diffId: string;
  uncompressedSize: number;
  compression: Compression;
}

async function dirKey(dir: string): Promise<string> {
  // Metadata of every node: cheap next to archiving, and catches edits.
  const h = createHash('sha256');
  const names = (await readdir(dir, { recursive: true })).sort();
  for (const name of names) {
    const s = await lstat(path.join(dir, name));
    h.update(`${name}\0${s.mode}\0${s.size}\0${s.mtimeMs}\0${s.uid}\0${s.gid}\n`);
  }
  return h.digest('hex');
}

async function sourceKey(src: LayerSource): Promise<string> {
  if ('entries' in src) return `entries:${entriesKey(src.entries)}`;
  if ('tar' in src) return `tar:${createHash('sha256').update(src.tar).digest('hex')}`;
  if ('tarFile' in src) {
    const s = await stat(src.tarFile);
    return `tarFile:${path.resolve(src.tarFile)}:${s.size}:${s.mtimeMs}`;
  }
  return `dir:${path.resolve(src.dir)}:${await dirKey(src.dir)}`;
}

/** An uncompressed tar on disk; `owned` ones are temp files to delete. */
async function materialise(storeDir: string, src: LayerSource): Promise<{ file: string; owned: boolean }> {
  if ('tarFile' in src) return { file: src.tarFile, owned: false };
  const file = tmpPath(storeDir, 'layer.tar');
  if ('entries' in src) await writeFile(file, writeTar(src.entries));
  else if ('tar' in src) await writeFile(file, src.tar);
  else {
    // Top-level names instead of "." so members read "bin/sh", not "./bin/sh".
    const top = (await readdir(src.dir)).sort();
    if (top.length === 0) await writeFile(file, Buffer.alloc(1024));
    else {
      await tar(
        ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=posix',
          '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '--xattrs',
          '-C', src.dir, '-cf', file, '--', ...top],
      );
    }
  }
  return { file, owned: true };
}

async function compress(storeDir: string, file: string, how: Compression): Promise<string> {
  const out = tmpPath(storeDir, `layer.${how}`);
  if (how === 'zstd') await zstd.compressFile(file, out);
  else if (how === 'gzip') await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(out));
  else await copyFile(file, out);
  return out;
}

// In-flight builds, so images sharing a layer in one Promise.all compress it once.
const building = new Map<string, Promise<LayerBlob>>();

export async function buildLayer(storeDir: string, spec: LayerSpec): Promise<LayerBlob> {
  const compression = spec.compression ?? 'gzip';
  const key = `layer-${createHash('sha256')
    .update(`${LAYER_FORMAT}\0${compression}\0${spec.cacheKey ?? (await sourceKey(spec.source))}`)
    .digest('hex')}`;
  const id = `${path.resolve(storeDir)}\0${key}`;
  let p = building.get(id);
  if (!p) {
    p = buildOnce(storeDir, spec, compression, key).finally(() => building.delete(id));
    building.set(id, p);
  }
  return p;
}

async function buildOnce(storeDir: string, spec: LayerSpec, compression: Compression, key: string): Promise<LayerBlob> {
  const cached = await readCache<LayerBlob>(storeDir, key);
  if (cached && (await exists(blobPath(storeDir, cached.digest)))) return cached;

  const { file, owned } = await materialise(storeDir, spec.source);
  try {
    const diff = await hashFile(file);
    const blobFile = await compress(storeDir, file, compression);
    const blob = await hashFile(blobFile);
    await adoptBlob(storeDir, blobFile, blob.digest);
    const layer: LayerBlob = { digest: blob.digest, size: blob.size, diffId: diff.digest, uncompressedSize: diff.size, compression };
    await writeCache(storeDir, key, layer);
    return layer;
  } finally {
    if (owned) await rm(file, { force: true });
  }
}
