// One berthd per state directory: a pid file names the owner; a live owner
// blocks start-up, a dead one's file is taken over.
import { readFile, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, Code, errnoCode } from '../util/errors.js';

export async function acquirePidLock(stateDir: string): Promise<() => Promise<void>> {
  const file = join(stateDir, 'berthd.pid');
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    if (pid > 0 && pid !== process.pid && (await isBerthd(pid))) {
      throw new BerthError(Code.AlreadyExists, 'api', `${stateDir} is in use by berthd pid ${pid}; stop it or use another --state`);
    }
  } catch (e) {
    if (e instanceof BerthError) throw e;
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  await writeFile(file, `${process.pid}\n`, { mode: 0o644 });
  return async () => {
    await unlink(file).catch(() => undefined);
  };
}

async function isBerthd(pid: number): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('berthd');
  } catch {
    return false;
  }
}
