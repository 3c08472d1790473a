// Crash-safe file writes: write a temporary file beside the target, rename it
// over the target. A process crash (berthd killed at any point) leaves either
// the old or the new content, never a torn file: rename is atomic.
// `durable` adds fsync of the file and the directory, which also survives a
// power loss but costs 1–20 ms per write on a busy ext4; the hot paths (pod
// and container records) skip it — after a power loss /run is gone and
// recovery reconciles records with what really exists anyway.
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink, readFile, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BerthError, Code, errnoCode, errorMessage } from '../util/errors.js';

export interface WriteOptions {
  mode?: number;
  /** fsync file and directory (power-loss safe); default true. */
  durable?: boolean;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions | number = {}): Promise<void> {
  const { mode = 0o600, durable = true } = typeof opts === 'number' ? { mode: opts } : opts;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  if (!durable) {
    writeWithoutSync(path, tmp, data, mode);
    return;
  }
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      if (durable) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    if (durable) await syncDir(dir);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw writeError(path, e);
  }
}

/**
 * The non-durable write, synchronously: a few KB into the page cache and a
 * rename take tens of microseconds on the event loop, where the same four
 * steps through libuv's thread pool took 0.5–1.5 ms each time (queued behind
 * whatever else the pool does) on the pod and container start paths.
 */
function writeWithoutSync(path: string, tmp: string, data: string | Uint8Array, mode: number): void {
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
    throw writeError(path, e);
  }
}

function writeError(path: string, e: unknown): BerthError {
  // A full disk is the node's condition, not an internal error: the kubelet and the user should see it as such.
  const code = errnoCode(e) === 'ENOSPC' ? Code.ResourceExhausted : Code.Internal;
  return new BerthError(code, 'storage', `cannot write ${path}: ${errorMessage(e)}`, { cause: e });
}

export async function writeJsonAtomic(path: string, value: unknown, opts: WriteOptions | number = {}): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, bigintReplacer)}\n`, opts);
}

/** The parsed file, or undefined when it does not exist. Corrupt content throws (storage layer). */
export async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw new BerthError(Code.Internal, 'storage', `cannot read ${path}: ${errorMessage(e)}`, { cause: e });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new BerthError(Code.DataLoss, 'storage', `corrupt record ${path}: ${errorMessage(e)}`, { cause: e });
  }
}

export async function ensureDir(path: string, mode = 0o700): Promise<void> {
  await mkdir(path, { recursive: true, mode });
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** bigint → string marker so records round-trip through JSON (see reviveBigint). */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value.toString()}n` : value;
}
