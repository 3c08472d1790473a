// Typed wrapper of one CNI plugin invocation (CNI spec: protocol parameters
// in the environment, the network configuration on stdin, the result or an
// error object on stdout). Every CNI plugin Berth runs goes through here.
import { BerthError, Code } from '../../util/errors.js';
import { excerpt, runTool } from '../../util/run-tool.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

export interface CniInvocation {
  command: CniCommand;
  /** Absolute path of the plugin binary. */
  plugin: string;
  containerId: string;
  /** Path of the network namespace; '' when it is gone (DEL only). */
  netns: string;
  ifName: string;
  /** CNI_ARGS pairs. */
  args: readonly (readonly [string, string])[];
  binDirs: readonly string[];
  /** The plugin's network configuration (name, cniVersion, prevResult, runtimeConfig injected). */
  config: Record<string, unknown>;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
// Any exit status is collected, so the plugin's own error object can be reported.
const ALL_STATUSES = Array.from({ length: 256 }, (_v, i) => i);

/** Pure: "IgnoreUnknown=1;K8S_POD_NAMESPACE=…" */
export function cniArgsString(args: CniInvocation['args']): string {
  return args.map(([k, v]) => `${k}=${v}`).join(';');
}

/** Pure: the CNI protocol environment variables. */
export function cniEnv(inv: CniInvocation): Record<string, string> {
  return {
    CNI_COMMAND: inv.command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netns,
    CNI_IFNAME: inv.ifName,
    CNI_ARGS: cniArgsString(inv.args),
    CNI_PATH: inv.binDirs.join(':'),
  };
}

/** Pure: the message of a CNI error object ({code, msg, details}), or undefined. */
export function cniErrorMessage(stdout: string): string | undefined {
  try {
    const e = JSON.parse(stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof e.msg !== 'string') return undefined;
    const details = typeof e.details === 'string' && e.details ? `; ${e.details}` : '';
    return `${e.msg}${details}${typeof e.code === 'number' ? ` (CNI error ${e.code})` : ''}`;
  } catch {
    return undefined;
  }
}

/** Runs the plugin; resolves with its parsed stdout (undefined when empty). Errors are 'network' layer. */
export async function execPlugin(inv: CniInvocation): Promise<unknown> {
  const type = String(inv.config.type ?? inv.plugin);
  const r = await runTool({
    layer: 'network',
    cmd: inv.plugin,
    args: [],
    input: JSON.stringify(inv.config),
    env: { ...process.env, ...cniEnv(inv) },
    timeoutMs: inv.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    okCodes: ALL_STATUSES,
  });
  const label = `CNI plugin ${type} ${inv.command} (network "${String(inv.config.name)}", container ${inv.containerId.slice(0, 12)})`;
  if (r.code !== 0) {
    const msg = cniErrorMessage(r.stdout) ?? (excerpt(r.stdout) || `exit status ${r.code}`);
    const stderr = excerpt(r.stderr);
    throw new BerthError(Code.Internal, 'network', `${label} failed: ${msg}${stderr ? `; stderr: ${stderr}` : ''}`);
  }
  if (!r.stdout.trim()) return undefined;
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch {
    throw new BerthError(Code.Internal, 'network', `${label}: unreadable result "${excerpt(r.stdout, 200)}"`);
  }
}
