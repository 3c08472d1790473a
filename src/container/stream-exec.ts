// Exec for the streaming server: the OCI runtime's exec through the
// berth-stream helper (a child subreaper that waits for the exec'd process;
// with a terminal it receives the pty master from the runtime and relays it).
// Without a terminal the process writes straight into our pipes.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { OciRuntime } from '../oci/runtime.js';
import { spawnExecHelper, statusLines, type ExecHelper } from '../oci/stream-helper.js';
import type { ExecSession, TerminalSize } from '../stream/backend.js';
import { BerthError, Code } from '../util/errors.js';
import { WARM_EXEC_MS, killExec, runtimeMessage } from './exec-sync.js';

export interface StreamExecTarget {
  runtime: OciRuntime;
  helper: string;
  containerId: string;
  /** Where the pid file and the console socket go (the container's bundle). */
  scratchDir: string;
}

export async function streamExec(t: StreamExecTarget, s: ExecSession): Promise<{ exitCode: number }> {
  const pidFile = join(t.scratchDir, `exec-${randomBytes(6).toString('hex')}.pid`);
  t.runtime.opts.warmer?.holdFor(WARM_EXEC_MS);
  const h = spawnExecHelper({
    helper: t.helper,
    tty: s.tty,
    pidFile,
    runtimePath: t.runtime.opts.path,
    runtimeArgs: t.runtime.globalArgs,
    containerId: t.containerId,
    cmd: s.cmd,
    stdin: !!s.stdin,
    stdout: !!s.stdout,
    stderr: !!s.stderr,
  });
  const what = `exec in ${t.containerId}`;
  const spawnFailed = new Promise<never>((_, reject) =>
    h.child.once('error', (e) => reject(new BerthError(Code.Internal, 'runtime', `${what}: cannot run the stream helper: ${e.message}`))),
  );
  spawnFailed.catch(() => undefined);
  let started = false;
  let aborted = false;
  // Leaves first, as for ExecSync; the helper reaps them and reports the exit.
  const kill = (): void => void killExec(pidFile, h.child.pid);
  const onAbort = (): void => {
    aborted = true;
    if (started) kill();
  };
  s.signal.addEventListener('abort', onAbort, { once: true });
  if (s.signal.aborted) onAbort();
  try {
    const outputDone = copy(h.stdout, s.stdout);
    if (s.stdin && h.stdin) feedStdin(s.stdin, h.stdin);
    if (s.resize && h.resize) void sendSizes(s.resize, h.resize);
    const lines = statusLines(h.status);
    const first = await Promise.race([lines.next(), spawnFailed]);
    const [word, arg] = (first.done ? '' : first.value).split(' ');
    if (word !== 'started') {
      h.stdout?.destroy();
      const why = runtimeMessage(await text(h.stderr)) || (word === 'failed' ? `runtime exit status ${arg}` : 'the stream helper ended without a status');
      throw new BerthError(Code.Unknown, 'runtime', `${what} failed: ${why}`);
    }
    started = true;
    if (aborted) kill();
    // Without tty this is the process's stderr; with tty only runtime chatter (the pty carries everything).
    const errDone = copy(h.stderr, s.tty ? undefined : s.stderr);
    let exitCode: number | undefined;
    for await (const line of lines) {
      const [w, n] = line.split(' ');
      if (w === 'exit') exitCode = Number(n);
    }
    await Promise.all([outputDone, errDone]);
    if (exitCode === undefined || !Number.isInteger(exitCode)) {
      throw new BerthError(Code.Internal, 'runtime', `${what}: the stream helper ended without the exit status`);
    }
    return { exitCode };
  } finally {
    s.signal.removeEventListener('abort', onAbort);
    h.stdin?.destroy();
    h.resize?.destroy();
    await rm(pidFile, { force: true });
  }
}

/** Client stdin → process; its end is EOF for the process (the helper sends VEOF on a pty). */
function feedStdin(from: Readable, to: Writable): void {
  to.on('error', () => undefined); // EPIPE: the process exited without reading
  from.pipe(to);
}

/** Copies helper output into the session's writable (not ending it); without a target it is drained. */
function copy(from: Readable | undefined, to: Writable | undefined): Promise<void> {
  if (!from) return Promise.resolve();
  return new Promise((resolve) => {
    from.once('close', () => resolve());
    from.once('error', () => resolve());
    if (!to) return void from.resume();
    from.pipe(to, { end: false });
    // The client went away: keep draining, or the helper blocks on a full pipe and never reports the exit.
    to.once('close', () => {
      from.unpipe(to);
      from.resume();
    });
  });
}

function text(r: Readable): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    r.on('data', (b: Buffer) => parts.push(b));
    r.once('close', () => resolve(Buffer.concat(parts).toString()));
  });
}

async function sendSizes(sizes: AsyncIterable<TerminalSize>, to: NonNullable<ExecHelper['resize']>): Promise<void> {
  to.on('error', () => undefined);
  try {
    for await (const { width, height } of sizes) {
      if (to.destroyed) return;
      to.write(`${height} ${width}\n`);
    }
  } catch {
    /* the session is over */
  }
}
