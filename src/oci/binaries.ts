// Resolving the external binaries Berth drives (runc, crun, conmon …):
// a bare name is searched in PATH, an absolute path is checked as is.
import { access, constants, realpath } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';

const SEARCH_EXTRA = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export async function resolveBinary(nameOrPath: string): Promise<string | undefined> {
  if (nameOrPath.includes('/')) return (await isExecutable(nameOrPath)) ? nameOrPath : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SEARCH_EXTRA];
  for (const dir of new Set(dirs)) {
    const p = join(dir, nameOrPath);
    if (await isExecutable(p)) return p;
  }
  return undefined;
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * One of berthd's own helper binaries (built from native/ into dist/):
 * $<envVar> when set, else next to the running berthd, else PATH.
 */
export async function locateHelper(name: string, envVar: string): Promise<string | undefined> {
  for (const c of [process.env[envVar], await besideMain(name)]) {
    if (!c) continue;
    const found = await resolveBinary(c);
    if (found) return found;
  }
  return resolveBinary(name);
}

async function besideMain(name: string): Promise<string | undefined> {
  const main = process.argv[1];
  if (!main) return undefined;
  try {
    return join(dirname(await realpath(main)), name);
  } catch {
    return undefined;
  }
}
