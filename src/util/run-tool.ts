// The single way Berth runs an external binary to completion: with a timeout,
// stdout/stderr captured (bounded), and failure turned into a BerthError that
// names the layer, the command and an excerpt of its stderr. Per-binary typed
// wrappers (runc, conmon, CNI plugins, unshare, tar …) are built on it.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { BerthError, Code, type Layer } from './errors.js';

export interface ToolRun {
  layer: Layer;
  cmd: string;
  args: readonly string[];
  timeoutMs: number;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Exit codes that count as success (default: 0 only). */
  okCodes?: readonly number[];
  /** Cap on captured bytes per stream; beyond it output is dropped (default 1 MiB). */
  maxOutput?: number;
  /** Streamed to stdin instead of `input` (large data: layers); the tool is killed if it errors. */
  stdin?: Readable;
  /** Receives stdout instead of it being captured (then `stdout` in the result is ""). */
  stdout?: Writable;
  /** Kills the tool (SIGKILL) when aborted. */
  signal?: AbortSignal;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

const STDERR_EXCERPT = 2000;

export function excerpt(text: string, max = STDERR_EXCERPT): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max)}…`;
}

export function runTool(run: ToolRun): Promise<ToolResult> {
  const max = run.maxOutput ?? 1 << 20;
  const label = [run.cmd, ...run.args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(run.cmd, run.args, {
      env: run.env ?? process.env,
      cwd: run.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let timedOut = false;
    let aborted = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, run.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      child.kill('SIGKILL');
    };
    if (run.signal?.aborted) onAbort();
    run.signal?.addEventListener('abort', onAbort, { once: true });
    if (run.stdout) child.stdout.pipe(run.stdout);
    else {
      child.stdout.on('data', (b: Buffer) => {
        if (outLen < max) out.push(b);
        outLen += b.length;
      });
    }
    child.stderr.on('data', (b: Buffer) => {
      if (errLen < max) err.push(b);
      errLen += b.length;
    });
    child.stdin.on('error', () => {
      /* the tool may exit without reading its input; its exit status tells */
    });
    if (run.stdin) {
      run.stdin.once('error', () => child.kill('SIGKILL'));
      run.stdin.pipe(child.stdin);
    } else child.stdin.end(run.input ?? '');
    child.on('error', (e) => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      reject(new BerthError(Code.Internal, run.layer, `cannot run ${run.cmd}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new BerthError(Code.DeadlineExceeded, run.layer, `${label}: timed out after ${run.timeoutMs} ms; stderr: ${excerpt(stderr)}`));
        return;
      }
      if (aborted) {
        reject(new BerthError(Code.Cancelled, run.layer, `${label}: aborted`));
        return;
      }
      const status = code ?? 128 + signalNumber(signal);
      if (!(run.okCodes ?? [0]).includes(status)) {
        const why = signal ? `killed by ${signal}` : `exit status ${status}`;
        const detail = excerpt(stderr) || excerpt(stdout);
        reject(new BerthError(Code.Internal, run.layer, `${label}: ${why}${detail ? `: ${detail}` : ''}`));
        return;
      }
      resolve({ code: status, stdout, stderr });
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] : 0;
}
