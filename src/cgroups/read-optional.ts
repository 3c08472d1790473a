// Reading interface files that may be absent: a cgroup removed under us, or a
// controller that is not enabled for it.
import { readFile } from 'node:fs/promises';
import { errnoCode } from '../util/errors.js';

const ABSENT = new Set(['ENOENT', 'ENODEV', 'ENOTDIR']);

export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (ABSENT.has(errnoCode(e) ?? '')) return undefined;
    throw e;
  }
}
