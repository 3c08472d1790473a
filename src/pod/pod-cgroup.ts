// Writes a pod's limits (pod-resources.ts) into its cgroup parent under the
// cgroupfs driver, all or nothing: each file's old value is read first and
// written back if a later write fails (the kernel refuses e.g. a memory limit
// below what the pod uses). Plain files: no external binary involved.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BerthError, Code, errnoCode, errorMessage } from '../util/errors.js';
import type { CgroupWrite } from './pod-resources.js';

const pathOf = (root: string, parent: string, w: CgroupWrite): string => join(root, w.controller, posix.normalize(`/${parent}`), w.file);

/** Applies `writes` under `parent`; returns what each file reads back afterwards, by "controller/file". */
export async function applyCgroupWrites(root: string, parent: string, writes: readonly CgroupWrite[]): Promise<Record<string, string>> {
  const done: { w: CgroupWrite; old: string }[] = [];
  try {
    for (const w of writes) {
      const p = pathOf(root, parent, w);
      // runc creates the parent in each hierarchy when the first container starts; a pod without one yet gets it now.
      await mkdir(join(p, '..'), { recursive: true });
      const old = (await readFile(p, 'utf8')).trim();
      try {
        await writeFile(p, w.value);
      } catch (e) {
        const why = errnoCode(e) === 'EBUSY' || errnoCode(e) === 'EINVAL' ? ' (the kernel refused it: below current usage, or outside what the parent allows?)' : '';
        throw new BerthError(Code.FailedPrecondition, 'runtime', `cannot write ${w.value} to ${p}${why}: ${errorMessage(e)}`);
      }
      done.push({ w, old });
    }
  } catch (e) {
    for (const { w, old } of done.reverse()) await writeFile(pathOf(root, parent, w), old).catch(() => undefined);
    throw e;
  }
  const out: Record<string, string> = {};
  for (const w of writes) out[w.controller ? `${w.controller}/${w.file}` : w.file] = (await readFile(pathOf(root, parent, w), 'utf8')).trim();
  return out;
}
