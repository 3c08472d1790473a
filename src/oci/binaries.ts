// Resolving the external binaries Berth drives (runc, crun, conmon …):
// a bare name is searched in PATH, an absolute path is checked as is.
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

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
