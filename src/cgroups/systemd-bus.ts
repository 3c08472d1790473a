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

  /**
   * A scope's ActiveState ("active", "failed", "inactive" …) and Result
   * ("success", "oom-kill" …). systemd answers for any name (an unknown unit
   * reads as inactive/success).
   */
  async scopeState(name: string): Promise<{ activeState: string; result: string }> {
    const path = unitObjectPath(name);
    const [unit, scope] = await Promise.all([
      this.call(['get-property', '--system', 'org.freedesktop.systemd1', path, 'org.freedesktop.systemd1.Unit', 'ActiveState']),
      this.call(['get-property', '--system', 'org.freedesktop.systemd1', path, 'org.freedesktop.systemd1.Scope', 'Result']),
    ]);
    return { activeState: parseStringProperty(unit), result: parseStringProperty(scope) };
  }

  private async call(args: string[]): Promise<string> {
    return (await runTool({ layer: 'cgroups', cmd: this.busctl, args, timeoutMs: TIMEOUT_MS })).stdout;
  }
}

/** Pure: systemd's object path of a unit (sd_bus_path_encode: bytes other than [A-Za-z0-9] as _xx). */
export function unitObjectPath(name: string): string {
  const enc = [...Buffer.from(name)].map((b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `_${b.toString(16).padStart(2, '0')}`)).join('');
  return `/org/freedesktop/systemd1/unit/${enc}`;
}

/** Pure: busctl's rendering of one string property, `s "value"`. */
export function parseStringProperty(out: string): string {
  return /^s "(.*)"$/m.exec(out.trim())?.[1] ?? '';
}

function ignoreNoUnit(e: unknown): void {
  if (e instanceof BerthError && /NoSuchUnit|not loaded|No unit/i.test(e.message)) return;
  throw e;
}
