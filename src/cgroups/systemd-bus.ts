// Typed wrapper of systemd's manager API over D-Bus, through `busctl` (part
// of systemd: present wherever this is used). Only what Berth needs: a
// transient scope for an existing process (conmon), and stopping / forgetting
// units. Every call goes through runTool (timeout, stderr, 'cgroups' layer).
import { BerthError } from '../util/errors.js';
import { runTool } from '../util/run-tool.js';

const DEST = ['org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager'];
const TIMEOUT_MS = 10_000;

export interface TransientScope {
  /** Unit name, ending in .scope. */
  name: string;
  /** Parent slice, e.g. system.slice. */
  slice: string;
  pids: readonly number[];
  description: string;
}

/** Pure: busctl's argument vector for StartTransientUnit of a scope (signature ssa(sv)a(sa(sv))). */
export function startScopeArgs(s: TransientScope): string[] {
  const props: string[][] = [
    ['Description', 's', s.description],
    ['Slice', 's', s.slice],
    ['PIDs', 'au', String(s.pids.length), ...s.pids.map(String)],
    // Collected when it ends, even after a failure: nothing of ours stays listed.
    ['CollectMode', 's', 'inactive-or-failed'],
  ];
  return ['call', '--system', ...DEST, 'StartTransientUnit', 'ssa(sv)a(sa(sv))', s.name, 'fail', String(props.length), ...props.flat(), '0'];
}

export class SystemdBus {
  constructor(private readonly busctl = 'busctl') {}

  async startScope(s: TransientScope): Promise<void> {
    await this.call(startScopeArgs(s));
  }

  /** Stops a unit; one that is not loaded is fine. */
  async stopUnit(name: string): Promise<void> {
    await this.call(['call', '--system', ...DEST, 'StopUnit', 'ss', name, 'replace']).catch(ignoreNoUnit);
  }

  /** Forgets a failed unit (a scope whose process was OOM-killed stays listed "failed" otherwise). */
  async resetFailed(name: string): Promise<void> {
    await this.call(['call', '--system', ...DEST, 'ResetFailedUnit', 's', name]).catch(ignoreNoUnit);
  }

  /** ActiveState of a loaded unit ("active", "failed" …), undefined when systemd does not know it. */
  async activeState(name: string): Promise<string | undefined> {
    try {
      const r = await this.call(['call', '--system', ...DEST, 'GetUnit', 's', name]);
      const path = /"([^"]+)"/.exec(r)?.[1];
      if (!path) return undefined;
      const p = await this.call(['get-property', '--system', 'org.freedesktop.systemd1', path, 'org.freedesktop.systemd1.Unit', 'ActiveState']);
      return /"([^"]*)"/.exec(p)?.[1];
    } catch (e) {
      ignoreNoUnit(e);
      return undefined;
    }
  }

  private async call(args: string[]): Promise<string> {
    return (await runTool({ layer: 'cgroups', cmd: this.busctl, args, timeoutMs: TIMEOUT_MS })).stdout;
  }
}

function ignoreNoUnit(e: unknown): void {
  if (e instanceof BerthError && /NoSuchUnit|not loaded|No unit/i.test(e.message)) return;
  throw e;
}
