// Typed wrapper of berth-stream (native/berth-stream.c, built next to
// berthd), the helper for what Node cannot do on its event-loop thread:
// receive a pty master over SCM_RIGHTS and be a child subreaper (exec with a
// terminal), speak SOCK_SEQPACKET (conmon's attach socket), and setns into a
// pod's network namespace (port-forward). One process per session or
// connection; its protocol is documented at the top of the C file.
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { BerthError, Code, type Layer } from '../util/errors.js';
import { locateHelper } from './binaries.js';

const NAME = 'berth-stream';
let located: Promise<string> | undefined;

/** The helper: $BERTH_STREAM_HELPER, else next to the running berthd (dist/), else PATH. */
export function streamHelperPath(): Promise<string> {
  located ??= (async () => {
    const found = await locateHelper(NAME, 'BERTH_STREAM_HELPER');
    if (found) return found;
    located = undefined; // try again next time (it may be built meanwhile)
    throw new BerthError(Code.FailedPrecondition, 'stream', `${NAME} helper not found next to berthd or in PATH (build it: node scripts/build.mjs)`);
  })();
  return located;
}

export interface ExecHelperRun {
  helper: string;
  tty: boolean;
  pidFile: string;
  runtimePath: string;
  runtimeArgs: readonly string[];
  containerId: string;
  cmd: readonly string[];
  stdin: boolean;
  stdout: boolean;
  /** Without tty: a stderr pipe for the process. With tty the pipe carries only the runtime's own messages. */
  stderr: boolean;
}

export interface ExecHelper {
  child: ChildProcess;
  stdin?: Writable;
  stdout?: Readable;
  /** The process's stderr (no tty) or the runtime's messages (tty); always present. */
  stderr: Readable;
  /** "started <pid>", "failed <status>", "exit <code>" lines. */
  status: Readable;
  /** "<rows> <cols>\n" lines (tty only). */
  resize?: Writable;
}

/** Pure: the helper's argument vector for exec. */
export function execHelperArgs(r: Omit<ExecHelperRun, 'helper' | 'stdin' | 'stdout' | 'stderr'>): string[] {
  return ['exec', r.tty ? '1' : '0', r.pidFile, r.runtimePath, ...r.runtimeArgs, '--', r.containerId, ...r.cmd];
}

export function spawnExecHelper(r: ExecHelperRun): ExecHelper {
  const child = spawn(r.helper, execHelperArgs(r), {
    stdio: [r.stdin ? 'pipe' : 'ignore', r.stdout ? 'pipe' : 'ignore', 'pipe', 'pipe', r.tty ? 'pipe' : 'ignore'],
  });
  return {
    child,
    ...(child.stdin ? { stdin: child.stdin } : {}),
    ...(child.stdout ? { stdout: child.stdout } : {}),
    stderr: held(child.stderr as Readable),
    status: child.stdio[3] as Readable,
    ...(r.tty ? { resize: child.stdio[4] as Writable } : {}),
  };
}

export interface ConnectedHelper {
  child: ChildProcess;
  stdin?: Writable;
  stdout: Readable;
  stderr: Readable;
}

/**
 * What the attach helper does when the client's stdin ends: nothing (`keep`),
 * half-close the socket so conmon closes a stdin_once container's stdin and
 * relay output to the end (`half-close`), or relay what is queued and exit
 * (`detach`).
 */
export type AtStdinEnd = 'keep' | 'half-close' | 'detach';

const AT_STDIN_END: Record<AtStdinEnd, string> = { keep: '0', 'half-close': '1', detach: '2' };

/** conmon's attach socket in `dir`. */
export function spawnAttachHelper(helper: string, dir: string, atStdinEnd: AtStdinEnd, withStdin: boolean): ConnectedHelper {
  return connected(spawn(helper, ['attach', dir, AT_STDIN_END[atStdinEnd]], { stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'] }));
}

/** One TCP connection to 127.0.0.1/[::1]:port inside the network namespace pinned at `netns`. */
export function spawnDialHelper(helper: string, netns: string, port: number): ConnectedHelper {
  return connected(spawn(helper, ['dial', netns, String(port)], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] }));
}

function connected(child: ChildProcess): ConnectedHelper {
  return { child, ...(child.stdin ? { stdin: child.stdin } : {}), stdout: held(child.stdout as Readable), stderr: held(child.stderr as Readable) };
}

/**
 * Output read later than spawn time goes through a PassThrough: when a child
 * exits, Node resumes its stdio streams nobody reads yet (flushStdio), and
 * what they still hold would be dropped (a helper's error text, a fast
 * container's last output).
 */
function held(r: Readable): Readable {
  return r.pipe(new PassThrough());
}

/**
 * Waits for the helper's "connected" line (attach, dial); rejects with its
 * stderr (a BerthError of `layer`) when it exits without one. Stderr is only
 * read here until then: afterwards it belongs to the caller.
 */
export function helperConnected(h: ConnectedHelper, layer: Layer, what: string): Promise<void> {
  const status = h.child.stdio[3] as Readable;
  return new Promise((resolve, reject) => {
    let said = '';
    let failed = false;
    status.on('data', (b: Buffer) => {
      said += b.toString();
      if (said.startsWith('connected\n')) resolve();
    });
    status.on('error', () => undefined);
    h.child.once('error', (e) => {
      failed = true;
      reject(new BerthError(Code.Internal, layer, `${what}: cannot run ${NAME}: ${e.message}`));
    });
    status.once('close', () => {
      if (said.startsWith('connected\n') || failed) return;
      // Read to the stream's close (resume delivers on a later tick than the child's 'close').
      const err: Buffer[] = [];
      const fail = (): void => {
        const why = Buffer.concat(err).toString().replace(/^berth-stream: /gm, '').trim() || `helper exited with status ${h.child.exitCode ?? h.child.signalCode}`;
        reject(new BerthError(Code.Unavailable, layer, `${what}: ${why}`));
      };
      if (h.stderr.destroyed) return fail();
      h.stderr.on('data', (b: Buffer) => err.push(b));
      h.stderr.once('close', fail);
    });
  });
}

/** Splits a status stream into lines, in order. */
export async function* statusLines(status: Readable): AsyncGenerator<string> {
  let buf = '';
  for await (const chunk of status) {
    buf += (chunk as Buffer).toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
  if (buf) yield buf;
}
