// ExecSync: run a command in a running container through the OCI runtime's
// exec, collect stdout/stderr (capped), honour the timeout by killing the
// process — inside the container, not only the runtime client — and fail
// with DeadlineExceeded.
import { spawn } from 'node:child_process';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BerthError, Code } from '../util/errors.js';
import type { OciRuntime } from '../oci/runtime.js';

export const EXEC_OUTPUT_CAP = 16 * 1024 * 1024;
/** runc exec moves the process into the container's cgroups within this time of its start. */
export const WARM_EXEC_MS = 150;

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/**
 * `signal`: the caller gave up (the gRPC call was cancelled or its deadline
 * passed): the process is killed as on a timeout — nothing may keep running
 * for an answer nobody reads (containerd does the same).
 */
export async function execSync(runtime: OciRuntime, id: string, cmd: readonly string[], timeoutSec: number, scratchDir: string, signal?: AbortSignal): Promise<ExecSyncResult> {
  const pidFile = join(scratchDir, `exec-${randomBytes(6).toString('hex')}.pid`);
  const args = [...runtime.globalArgs, 'exec', '--pid-file', pidFile, id, ...cmd];
  runtime.opts.warmer?.holdFor(WARM_EXEC_MS);
  const child = spawn(runtime.opts.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = capture(child.stdout);
  const err = capture(child.stderr);
  let timedOut = false;
  const timer =
    timeoutSec > 0
      ? setTimeout(() => {
          timedOut = true;
          void killExec(pidFile, child.pid);
        }, timeoutSec * 1000)
      : undefined;
  let abandoned = false;
  const abandon = (): void => {
    abandoned = true;
    void killExec(pidFile, child.pid);
  };
  signal?.addEventListener('abort', abandon, { once: true });
  if (signal?.aborted) abandon();
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', (e) => reject(new BerthError(Code.Internal, 'runtime', `exec in ${id}: cannot run ${runtime.opts.path}: ${e.message}`)));
      child.on('close', (c, sig) => resolve(c ?? 128 + (sig === 'SIGKILL' ? 9 : 15)));
    });
    if (abandoned && !timedOut) {
      throw new BerthError(Code.Cancelled, 'runtime', `exec in ${id}: command ${JSON.stringify(cmd)} killed: the caller gave up`);
    }
    if (timedOut) {
      throw new BerthError(Code.DeadlineExceeded, 'runtime', `exec in ${id}: command ${JSON.stringify(cmd)} timed out after ${timeoutSec}s and was killed`);
    }
    const stderr = err.data();
    // runc reports its own failures (no such binary …) on stderr with exit status 255 or 1.
    if (code === 255 && /^time=".*level=(error|fatal)/m.test(stderr.toString())) {
      throw new BerthError(Code.Unknown, 'runtime', `exec in ${id} failed: ${runtimeMessage(stderr.toString())}`);
    }
    return { stdout: out.data(), stderr, exitCode: code };
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', abandon);
    await rm(pidFile, { force: true });
  }
}

/** The message of a runtime failure logged as `time=… level=error msg="…"` (else the text as is). */
export function runtimeMessage(stderr: string): string {
  const msg = stderr.match(/msg="((?:[^"\\]|\\.)*)"/)?.[1];
  return msg ? msg.replace(/\\"/g, '"') : stderr.trim();
}

/**
 * Kills the exec'd process and everything it started (`sh -c "sleep 100"`
 * must not leave the sleep). The runtime client is left to reap it and exit:
 * killed first, it would leave a zombie for the container's init, which may
 * never reap. Only if it lingers is it killed too.
 */
export async function killExec(pidFile: string, runtimePid: number | undefined): Promise<void> {
  try {
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    if (pid > 0) {
      // Descendants first, the exec'd process a moment later: a parent still
      // alive reaps its children; one killed first would hand them, as
      // zombies, to the container's init (which may never reap).
      for (const p of (await descendants(pid)).reverse()) signal(p);
      await new Promise((r) => setTimeout(r, CHILD_REAP_GRACE_MS));
      signal(pid);
    }
  } catch {
    /* not started yet or gone */
  }
  if (runtimePid) setTimeout(() => signal(runtimePid), RUNTIME_REAP_GRACE_MS).unref();
}

const CHILD_REAP_GRACE_MS = 100;
const RUNTIME_REAP_GRACE_MS = 2000;

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Pure over a ppid map: all descendants of `root`. */
export function descendantsOf(root: number, parentOf: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift() as number) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

async function descendants(root: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // Field 4 after the parenthesised command (which may contain spaces).
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  return descendantsOf(root, parentOf);
}

function capture(stream: NodeJS.ReadableStream): { data(): Buffer } {
  const chunks: Buffer[] = [];
  let len = 0;
  stream.on('data', (b: Buffer) => {
    if (len >= EXEC_OUTPUT_CAP) return;
    const room = EXEC_OUTPUT_CAP - len;
    const piece = b.length > room ? b.subarray(0, room) : b;
    chunks.push(piece);
    len += piece.length;
  });
  return { data: () => Buffer.concat(chunks) };
}
