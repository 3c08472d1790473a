// conmon's command line (Debian's 2.1.6), one of the two per-container
// monitors behind src/oci/monitor.ts. conmon double-forks, runs `<runtime>
// create`, holds the container's stdio, writes the CRI log, the exit file and
// the oom file, and serves the attach socket. The handshake (see
// PROTOCOLS.md, shared by berth-mon): fd 3 is the sync pipe on which it sends
// one JSON line once the runtime created the container; fd 4 is the start
// pipe on which it waits for a byte before doing anything.
import type { CgroupWarmer } from '../cgroups/warmer.js';

export interface ConmonOptions {
  conmonPath: string;
  runtimePath: string;
  /** Global runtime arguments, e.g. --root=… */
  runtimeArgs: readonly string[];
  /** conmon's own cgroup flags (src/cgroups: -s under the systemd driver). */
  conmonArgs?: readonly string[];
  /**
   * Awaited with conmon's pid before the start byte is sent: conmon does
   * nothing (no fork, no runtime) until then, so this is where it is moved
   * into its own cgroup. A failure kills conmon and fails the create.
   */
  beforeStart?: (pid: number) => Promise<void>;
  id: string;
  name: string;
  bundle: string;
  logPath: string;
  exitDir: string;
  persistDir: string;
  socketDir: string;
  terminal?: boolean;
  stdin?: boolean;
  stdinOnce?: boolean;
  logSizeMax?: number;
  logLevel?: 'debug' | 'info' | 'warning' | 'error';
  timeoutMs?: number;
  /** Held from conmon's start until the runtime created the container (runc init's cgroup move). */
  warmer?: CgroupWarmer;
  /** CRIU images to restore from: conmon runs `<runtime> restore --detach --image-path <this>` instead of create. */
  restorePath?: string;
}

/** Pure: conmon's argument vector for creating a container. */
export function conmonCreateArgs(o: ConmonOptions): string[] {
  const args = [
    '--api-version', '1',
    '-c', o.id,
    '-u', o.id,
    '-n', o.name,
    '-r', o.runtimePath,
    '-b', o.bundle,
    '-p', `${o.bundle}/pidfile`,
    '-P', `${o.bundle}/conmon-pidfile`,
    '-l', `k8s-file:${o.logPath}`,
    '--exit-dir', o.exitDir,
    '--persist-dir', o.persistDir,
    '--socket-dir-path', o.socketDir,
    '--log-level', o.logLevel ?? 'error',
    '--syslog',
    ...(o.conmonArgs ?? []),
  ];
  for (const a of o.runtimeArgs) args.push('--runtime-arg', a);
  if (o.restorePath) args.push('--restore', o.restorePath);
  if (o.terminal) args.push('-t');
  if (o.stdin) args.push('-i');
  if (o.stdin && !o.stdinOnce) args.push('--leave-stdin-open');
  if (o.logSizeMax && o.logSizeMax > 0) args.push('--log-size-max', String(o.logSizeMax));
  return args;
}

/** One JSON object from the sync pipe: {"data": pid} or {"data": -1, "message": "…"}. */
export function parseSyncMessage(line: string): { pid?: number; message?: string } {
  const obj = JSON.parse(line) as { data?: number; pid?: number; message?: string };
  const value = obj.data ?? obj.pid;
  if (typeof value === 'number' && value > 0) return { pid: value };
  return { message: obj.message ?? 'the monitor reported a failure without a message' };
}
