// A container's log, as `berth logs` and foreground `berth run` show it:
// read from ContainerStatus.log_path on this node (the kubelet's way),
// stdout lines to stdout and stderr lines to stderr, optionally followed
// until the container stops. The reading itself is common/log-reader.ts.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ContainerState } from '../../api/gen/api.js';
import { ContainerStatus } from '../../api/methods.js';
import type { CliContext } from '../common/cli-context.js';
import { readLogs } from '../common/log-reader.js';
import { VerbError } from './errors.js';

export interface FollowOptions {
  follow: boolean;
  timestamps: boolean;
  tail?: number;
  sinceNs?: bigint;
  signal?: AbortSignal;
}

function write(w: Writable, data: Buffer): void | Promise<void> {
  if (!w.write(data)) return once(w, 'drain').then(() => undefined);
}

export async function followLog(ctx: CliContext, id: string, o: FollowOptions): Promise<void> {
  const status = (await ctx.runtime.call(ContainerStatus, { containerId: id })).status;
  const path = status?.logPath ?? '';
  if (!path) throw new VerbError(`container ${id.slice(0, 12)} has no log file (its pod sets no log directory)`);
  const running = async (): Promise<boolean> => {
    try {
      const s = (await ctx.runtime.call(ContainerStatus, { containerId: id })).status;
      return s?.state === ContainerState.CONTAINER_RUNNING || s?.state === ContainerState.CONTAINER_CREATED;
    } catch {
      return false; // removed, or the runtime went away: nothing more will be written
    }
  };
  await readLogs({
    path,
    follow: o.follow,
    tail: o.tail,
    sinceNs: o.sinceNs,
    timestamps: o.timestamps,
    isRunning: running,
    sink: { write: (stream, data) => write(stream === 'stdout' ? process.stdout : process.stderr, data) },
    signal: o.signal,
    // Foreground runs want the exit noticed quickly.
    stateCheckMs: 250,
  });
}
