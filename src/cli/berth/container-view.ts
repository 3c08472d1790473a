// What the container verbs show about a container: its list entry joined
// with its status (times, exit code, resources), its verbose info (pid,
// the OCI spec when the runtime shares it) and berth's run options.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, ContainerStatus as Status } from '../../api/gen/api.js';
import { ContainerStatus } from '../../api/methods.js';
import type { CliContext } from '../common/cli-context.js';
import { optionsOf } from './run-config.js';
import type { RunOptions } from './run-options.js';

export interface OciProcess {
  args?: string[];
  env?: string[];
  cwd?: string;
  terminal?: boolean;
  user?: { uid: number; gid: number };
}

export interface ContainerView {
  container: Container;
  status: Status | undefined;
  options: RunOptions | undefined;
  /** The init process on the node, when the runtime reports it. */
  pid: number | undefined;
  /** The process section of the OCI spec: containerd's info.runtimeSpec, or berthd's bundle/config.json. */
  process: OciProcess | undefined;
  info: Record<string, unknown>;
}

export async function viewOf(ctx: CliContext, c: Container, withSpec = true): Promise<ContainerView> {
  const r = await ctx.runtime.call(ContainerStatus, { containerId: c.id, verbose: true }).catch(() => undefined);
  let info: Record<string, unknown> = {};
  try {
    info = JSON.parse(r?.info.info ?? '{}') as Record<string, unknown>;
  } catch {
    info = {};
  }
  const pid = typeof info.pid === 'number' && info.pid > 0 ? info.pid : undefined;
  let proc = (info.runtimeSpec as { process?: OciProcess } | undefined)?.process;
  if (!proc && withSpec && typeof info.bundle === 'string') {
    try {
      proc = (JSON.parse(await readFile(join(info.bundle, 'config.json'), 'utf8')) as { process?: OciProcess }).process;
    } catch {
      proc = undefined; // removed meanwhile, or not readable: left out
    }
  }
  return { container: c, status: r?.status, options: optionsOf(c.annotations), pid, process: proc, info };
}

/** The command a container runs: the spec's args, else what berth was asked for. */
export function commandOf(v: ContainerView): string[] {
  if (v.process?.args?.length) return v.process.args;
  return [...(v.options?.entrypoint ?? []), ...(v.options?.cmd ?? [])];
}

/** The image as the user named it. */
export function imageOf(c: Container): string {
  return optionsOf(c.annotations)?.image || c.image?.userSpecifiedImage || c.image?.image || c.imageRef;
}
