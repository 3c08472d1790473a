// Connects this terminal to an exec/attach URL: stdin when interactive, raw
// mode and window-size updates with a tty, the exit code back. Shared by
// `berthctl exec/attach` (and `berth exec/attach`). The streaming client
// (zlib, ws) is loaded only here, when a session is actually started.
import { UsageError } from './cli-context.js';

export type Transport = 'spdy' | 'websocket';

export function parseTransport(verb: string, value: unknown): Transport {
  if (value === undefined) return 'spdy';
  if (value === 'spdy' || value === 'websocket') return value;
  throw new UsageError(`${verb}: --transport must be spdy or websocket (got "${String(value)}")`);
}

export interface TerminalSessionOptions {
  url: string;
  transport: Transport;
  interactive: boolean;
  tty: boolean;
  /** Seconds; 0 = none. The session is cut (and the process killed) when it passes. */
  timeoutSec?: number;
}

/** Runs the session and returns the remote exit code. */
export async function runTerminalSession(o: TerminalSessionOptions): Promise<number> {
  const [{ runExecClient, StreamSessionError }, { openTerminal }] = await Promise.all([
    import('../../client/stream/exec-client.js'),
    import('../../client/stream/terminal.js'),
  ]);
  const terminal = o.tty ? openTerminal() : undefined;
  const ac = new AbortController();
  const timer = o.timeoutSec ? setTimeout(() => ac.abort(), o.timeoutSec * 1000) : undefined;
  try {
    const r = await runExecClient(o.url, {
      transport: o.transport,
      tty: o.tty,
      stdout: process.stdout,
      ...(o.tty ? {} : { stderr: process.stderr }),
      ...(o.interactive ? { stdin: process.stdin } : {}),
      ...(terminal ? { resize: terminal.resize } : {}),
      signal: ac.signal,
    });
    return r.exitCode;
  } catch (e) {
    if (ac.signal.aborted && o.timeoutSec) throw new Error(`timed out after ${o.timeoutSec}s`);
    if (e instanceof StreamSessionError) throw new Error(e.message);
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    terminal?.restore();
    // A flowing stdin keeps the process alive after the session.
    if (o.interactive) process.stdin.destroy();
  }
}
