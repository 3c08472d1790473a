// The per-container monitor, whichever is configured ([runtime] monitor):
// conmon or berth-mon (docs/monitor.md). Both take the same handshake: fd 4
// is the start pipe (one byte: go), fd 3 the sync pipe (one JSON line once the
// runtime created the container). Both daemonize, run `<runtime> create`
// under themselves, and leave the same files for berthd to read.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { BerthError, Code, type Layer } from '../util/errors.js';
import { excerpt } from '../util/run-tool.js';
import { berthMonCreateArgs, locateBerthMon } from './berth-mon.js';
import { resolveBinary } from './binaries.js';
import { conmonCreateArgs, parseSyncMessage, type ConmonOptions } from './conmon.js';
import type { MonitorKind } from './monitor-kind.js';

export { monitorDescription, type MonitorKind } from './monitor-kind.js';

/** The configured monitor and its resolved binary. */
export interface MonitorBinary {
  kind: MonitorKind;
  path: string;
}

export type MonitorCreateOptions = Omit<ConmonOptions, 'conmonPath'>;

export interface CreatedContainer {
  /** pid of the container's init process (in the host pid namespace). */
  pid: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** The configured monitor's binary: conmon from `conmonPath` (PATH), berth-mon next to berthd; undefined when missing. */
export async function resolveMonitor(kind: MonitorKind, conmonPath: string): Promise<MonitorBinary | undefined> {
  const path = kind === 'conmon' ? await resolveBinary(conmonPath) : await locateBerthMon();
  return path ? { kind, path } : undefined;
}

/** Pure: the monitor's argument vector for creating a container. */
export function monitorCreateArgs(m: MonitorBinary, o: MonitorCreateOptions): string[] {
  return m.kind === 'conmon' ? conmonCreateArgs({ ...o, conmonPath: m.path }) : berthMonCreateArgs(o);
}

/** Runs the monitor to create a container; resolves once the runtime created it (not started). */
export function monitorCreate(m: MonitorBinary, o: MonitorCreateOptions): Promise<CreatedContainer> {
  const layer: Layer = 'monitor';
  const what = `${m.kind} for ${o.id}`;
  return new Promise((resolve, reject) => {
    const release = o.warmer?.hold();
    const child = spawn(m.path, monitorCreateArgs(m, o), {
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
      finish(new BerthError(Code.DeadlineExceeded, layer, `${what}: no answer from the runtime within ${o.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms; stderr: ${excerpt(stderr)}`));
    }, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('error', (e) => finish(new BerthError(Code.Internal, layer, `cannot run ${m.path}: ${e.message}`)));
    sync.on('data', (b: Buffer) => {
      buf += b.toString();
      const nl = buf.indexOf('\n');
      const line = (nl >= 0 ? buf.slice(0, nl) : buf).trim();
      if (!line.endsWith('}')) return;
      let msg: { pid?: number; message?: string };
      try {
        msg = parseSyncMessage(line);
      } catch {
        finish(new BerthError(Code.Internal, layer, `${what}: unreadable sync message "${excerpt(line, 200)}"`));
        return;
      }
      if (msg.pid) finish(undefined, { pid: msg.pid });
      else finish(new BerthError(Code.Internal, 'runtime', `${o.runtimePath} create ${o.id}: ${excerpt(msg.message ?? '')}`));
    });
    sync.on('close', () => {
      finish(new BerthError(Code.Internal, layer, `${what} exited before the runtime created the container${stderr ? `: ${excerpt(stderr)}` : ''}`));
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
        finish(e instanceof BerthError ? e : new BerthError(Code.Internal, 'cgroups', `cannot place the ${m.kind} of ${o.id}: ${String(e)}`));
      },
    );
  });
}
