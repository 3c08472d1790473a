// Typed wrapper of util-linux nsenter: runs a command inside pinned
// namespaces. Node cannot setns on its event-loop thread, so anything that
// must happen inside a pod's namespaces (sysctls, network counters) runs
// through a helper process started here.
import { runTool, type ToolResult } from './run-tool.js';
import type { Layer } from './errors.js';

export interface NsPaths {
  net?: string;
  ipc?: string;
  uts?: string;
}

export interface NsenterRun {
  layer: Layer;
  ns: NsPaths;
  /** The command and its arguments, run inside the namespaces. */
  argv: readonly string[];
  timeoutMs: number;
}

/** Pure: nsenter's arguments. */
export function nsenterArgs(ns: NsPaths, argv: readonly string[]): string[] {
  const flags = (['net', 'ipc', 'uts'] as const).flatMap((k) => (ns[k] ? [`--${k}=${ns[k]}`] : []));
  return [...flags, '--', ...argv];
}

export function nsenter(run: NsenterRun): Promise<ToolResult> {
  return runTool({ layer: run.layer, cmd: 'nsenter', args: nsenterArgs(run.ns, run.argv), timeoutMs: run.timeoutMs });
}
