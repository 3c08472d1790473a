// Crash-safe file writes: write a temporary file beside the target, fsync it,
// rename it over the target, fsync the directory. A crash leaves either the
// old or the new content, never a torn file.
import { open, rename, unlink, readFile, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BerthError, Code, errnoCode, errorMessage } from '../util/errors.js';

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await syncDir(dir);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new BerthError(Code.Internal, 'storage', `cannot write ${path}: ${errorMessage(e)}`, { cause: e });
  }
}

export async function writeJsonAtomic(path: string, value: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, bigintReplacer)}\n`, mode);
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
