// Typed wrapper of conmon (Debian's 2.1.6), the per-container monitor. conmon
// double-forks, runs `<runtime> create`, holds the container's stdio, writes
// the CRI log, the exit file and the oom file, and serves the attach socket.
// The handshake (see PROTOCOLS.md): fd 3 is the sync pipe on which conmon
// sends one JSON line once the runtime created the container; fd 4 is the
// start pipe on which it waits for a byte before doing anything.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { BerthError, Code, type Layer } from '../util/errors.js';
import { excerpt } from '../util/run-tool.js';
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

export interface CreatedContainer {
  /** pid of the container's init process (in the host pid namespace). */
  pid: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

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
  return { message: obj.message ?? 'conmon reported a failure without a message' };
}

/** Runs conmon to create a container; resolves once the runtime created it (not started). */
export function conmonCreate(o: ConmonOptions): Promise<CreatedContainer> {
  const layer: Layer = 'monitor';
  return new Promise((resolve, reject) => {
    const release = o.warmer?.hold();
    const child = spawn(o.conmonPath, conmonCreateArgs(o), {
      cwd: o.bundle,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
      detached: true, // its own session: it must outlive berthd
    });
    const sync = child.stdio[3] as Readable;
    const start = child.stdio[4] as Writable;
    let stderr = '';
    let buf = '';
    let done = false;
    const finish = (err: BerthError | undefined, result?: CreatedContainer): void => {
      if (done) return;
      done = true;
      release?.();
      clearTimeout(timer);
      sync.destroy();
      start.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
      if (err) reject(err);
      else resolve(result as CreatedContainer);
    };
    const timer = setTimeout(() => {
      finish(new BerthError(Code.DeadlineExceeded, layer, `conmon for ${o.id}: no answer from the runtime within ${o.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms; stderr: ${excerpt(stderr)}`));
    }, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('error', (e) => finish(new BerthError(Code.Internal, layer, `cannot run ${o.conmonPath}: ${e.message}`)));
    sync.on('data', (b: Buffer) => {
      buf += b.toString();
      const nl = buf.indexOf('\n');
      const line = (nl >= 0 ? buf.slice(0, nl) : buf).trim();
      if (!line.endsWith('}')) return;
      let msg: { pid?: number; message?: string };
      try {
        msg = parseSyncMessage(line);
      } catch {
        finish(new BerthError(Code.Internal, layer, `conmon for ${o.id}: unreadable sync message "${excerpt(line, 200)}"`));
        return;
      }
      if (msg.pid) finish(undefined, { pid: msg.pid });
      else finish(new BerthError(Code.Internal, 'runtime', `${o.runtimePath} create ${o.id}: ${excerpt(msg.message ?? '')}`));
    });
    sync.on('close', () => {
      finish(new BerthError(Code.Internal, layer, `conmon for ${o.id} exited before the runtime created the container${stderr ? `: ${excerpt(stderr)}` : ''}`));
    });
    start.on('error', () => undefined);
    const pid = child.pid;
    if (!o.beforeStart || pid === undefined) {
      start.write('0');
      return;
    }
    o.beforeStart(pid).then(
      () => {
        if (!done) start.write('0');
      },
      (e: unknown) => {
        child.kill('SIGKILL');
        finish(e instanceof BerthError ? e : new BerthError(Code.Internal, 'cgroups', `cannot place conmon for ${o.id}: ${String(e)}`));
      },
    );
  });
}
