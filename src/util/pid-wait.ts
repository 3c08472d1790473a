// Waiting for a process that is not berthd's child (a container's init, a
// conmon): Node can only poll /proc for those. A zombie counts as gone: its
// parent (conmon) reaps it, and runc treats it as stopped already.
import { readFile } from 'node:fs/promises';

/** The pid in a pidfile (conmon's -p / -P files); undefined when missing or empty. */
export async function readPid(file: string): Promise<number | undefined> {
  const n = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return n > 0 ? n : undefined;
}

/** Polls every `everyMs` until the process is gone (or a zombie), at most `ms`; true when it went. */
export async function waitForPidExit(pid: number | undefined, ms: number, everyMs = 5): Promise<boolean> {
  if (!pid) return true;
  const deadline = Date.now() + ms;
  for (;;) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (!stat || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
