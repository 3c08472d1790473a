// Crash and error injection for the reliability tests. A failpoint is a named
// spot inside a multi-step operation; `BERTH_FAILPOINTS=pod.after-cni=kill`
// makes berthd SIGKILL itself there (a crash at exactly that step), `=error`
// makes the step throw, and `=wait` (only at points awaited through
// failpointAsync) holds the step until the file <BERTH_FAILPOINT_DIR>/<name>
// exists — a test decides when a slow step ends, without guessing times.
// Several: comma-separated. The variable is read once at load; when it is
// unset (production) every call is a map-size check.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, Code } from './errors.js';

export type FailAction = 'kill' | 'error' | 'wait';

const FAIL_ACTIONS: readonly string[] = ['kill', 'error', 'wait'];

/** Pure: "a=kill,b=error" → Map. Unknown actions are refused (a typo must not silently test nothing). */
export function parseFailpoints(spec: string): Map<string, FailAction> {
  const out = new Map<string, FailAction>();
  for (const part of spec.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.lastIndexOf('=');
    const name = eq > 0 ? item.slice(0, eq) : item;
    const action = eq > 0 ? item.slice(eq + 1) : 'kill';
    if (!FAIL_ACTIONS.includes(action)) throw new Error(`BERTH_FAILPOINTS: "${item}": action must be kill, error or wait`);
    out.set(name, action as FailAction);
  }
  return out;
}

const points = parseFailpoints(process.env.BERTH_FAILPOINTS ?? '');

/** Fires the failpoint `name` when BERTH_FAILPOINTS names it; otherwise does nothing. */
export function failpoint(name: string): void {
  if (points.size === 0) return;
  const action = points.get(name);
  if (!action) return;
  // Synchronous write (stderr is a pipe or file): the test sees which point fired.
  process.stderr.write(`failpoint ${name}: ${action}\n`);
  if (action === 'error') throw new BerthError(Code.Internal, 'api', `failpoint ${name}`);
  if (action === 'wait') throw new BerthError(Code.Internal, 'api', `failpoint ${name}: "wait" needs failpointAsync at this point`);
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is delivered on the way out of kill(2); never run past this point regardless.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
}

/** failpoint() for steps that may be held: `wait` polls for the release file; kill and error as failpoint(). */
export async function failpointAsync(name: string): Promise<void> {
  if (points.size === 0) return;
  if (points.get(name) !== 'wait') {
    failpoint(name);
    return;
  }
  const dir = process.env.BERTH_FAILPOINT_DIR;
  if (!dir) throw new BerthError(Code.Internal, 'api', `failpoint ${name}=wait: BERTH_FAILPOINT_DIR is not set`);
  process.stderr.write(`failpoint ${name}: wait\n`);
  for (;;) {
    try {
      await access(join(dir, name));
      return;
    } catch {
      await sleep(20);
    }
  }
}
