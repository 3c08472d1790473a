// berthctl logs [-f] [--tail N] [--since T] [-t] [--limit-bytes N] [-p] ID:
// reads the container's CRI log file directly (ContainerStatus.log_path,
// as crictl and the kubelet do), stdout lines to stdout and stderr lines to
// stderr; -f follows until the container is no longer running.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ContainerState } from '../../../api/gen/api.js';
import { ContainerStatus } from '../../../api/methods.js';
import { UsageError, type CliContext, type Verb } from '../../common/cli-context.js';
import type { LogStream } from '../../common/cri-log.js';
import { readLogs } from '../../common/log-reader.js';
import { exitQuietlyOnClosedPipe } from '../../common/pipe.js';
import { parseSince } from '../../common/since.js';
import { resolveContainerId } from './container-list.js';
import { parseFlags } from './flags.js';

/** crictl's --previous: the log of attempt N−1 next to this one (<dir>/<N-1>.log). */
export function previousLogPath(logPath: string, attempt: number, name: string): string {
  if (attempt === 0) throw new Error(`previous terminated container "${name}" not found`);
  const slash = logPath.lastIndexOf('/');
  const dot = logPath.lastIndexOf('.');
  return `${logPath.slice(0, slash + 1)}${attempt - 1}${dot > slash ? logPath.slice(dot) : ''}`;
}

async function running(ctx: CliContext, id: string): Promise<boolean> {
  try {
    return (await ctx.runtime.call(ContainerStatus, { containerId: id, verbose: false })).status?.state === ContainerState.CONTAINER_RUNNING;
  } catch {
    return false; // gone (removed) or the runtime went away: nothing more will be written
  }
}

function write(w: Writable, data: Buffer): void | Promise<void> {
  if (!w.write(data)) return once(w, 'drain').then(() => undefined);
}

export const verb: Verb = {
  summary: 'Fetch the logs of a container',
  usage: `Usage: berthctl logs [command options] CONTAINER-ID

Reads the container's log file (ContainerStatus.log_path) on this host.

Options:
  --follow, -f        Follow log output until the container stops
  --limit-bytes value Maximum bytes of logs to return. Defaults to no limit (default: -1)
  --previous, -p      Print the logs for the previous instance of the container in a pod if it exists
  --since value       Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
  --tail value        Number of lines to show from the end of the logs. Defaults to all (default: -1)
  --timestamps, -t    Show timestamps`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('logs', args, {
      follow: { kind: 'bool', short: 'f' },
      tail: { kind: 'int' },
      'limit-bytes': { kind: 'int' },
      since: { kind: 'string' },
      timestamps: { kind: 'bool', short: 't' },
      previous: { kind: 'bool', short: 'p' },
    });
    if (positional.length !== 1) throw new UsageError(positional.length ? 'logs: give exactly one CONTAINER-ID' : 'ID cannot be empty');
    const since = flags.since ? parseSince(flags.since as string) : undefined;
    const arg = positional[0] as string;
    let id: string;
    let status;
    try {
      id = await resolveContainerId(ctx, arg);
      status = (await ctx.runtime.call(ContainerStatus, { containerId: id, verbose: false })).status;
    } catch (e) {
      throw new Error(`getting the status of container "${arg}": ${(e as Error).message}`);
    }
    let path = status?.logPath ?? '';
    if (!path) throw new Error('The container has not set log path');
    if (flags.previous) path = previousLogPath(path, status?.metadata?.attempt ?? 0, status?.metadata?.name ?? '');
    exitQuietlyOnClosedPipe();
    await readLogs({
      path,
      follow: flags.follow === true && !flags.previous,
      tail: flags.tail as number | undefined,
      sinceNs: since,
      timestamps: flags.timestamps === true,
      limitBytes: flags['limit-bytes'] as number | undefined,
      isRunning: () => running(ctx, id),
      sink: { write: (stream: LogStream, data: Buffer) => write(stream === 'stdout' ? process.stdout : process.stderr, data) },
    });
  },
};
