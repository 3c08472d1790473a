// berth-mon's command line (native/berth-mon.c, built next to berthd): the
// lighter per-container monitor, selected by [runtime] monitor = "berth-mon".
// It speaks conmon's sync/start handshake and keeps conmon's files in the
// bundle (attach socket, ctl fifo, pidfiles, persist/exit, <exits>/<id>), so
// only the argument vector differs (docs/monitor.md).
import type { ConmonOptions } from './conmon.js';
import { locateHelper } from './binaries.js';

export const BERTH_MON = 'berth-mon';

/** The helper: $BERTH_MON_HELPER, else next to the running berthd (dist/), else PATH. */
export function locateBerthMon(): Promise<string | undefined> {
  return locateHelper(BERTH_MON, 'BERTH_MON_HELPER');
}

/**
 * Pure: berth-mon's argument vector. The runtime's global arguments already
 * carry --systemd-cgroup where it applies (OciRuntime.globalArgs), so conmon's
 * `-s` has no counterpart; log size limits are the kubelet's rotation's job.
 */
export function berthMonCreateArgs(o: Omit<ConmonOptions, 'conmonPath'>): string[] {
  const args = [
    '-c', o.id,
    '-b', o.bundle,
    '-r', o.runtimePath,
    '-l', o.logPath,
    '-x', o.exitDir,
    '-p', o.persistDir,
    '-P', `${o.bundle}/conmon-pidfile`,
  ];
  for (const a of o.runtimeArgs) args.push('-a', a);
  if (o.restorePath) args.push('-R', o.restorePath);
  if (o.terminal) args.push('-t');
  if (o.stdin) args.push('-i');
  if (o.stdin && !o.stdinOnce) args.push('-I');
  return args;
}
