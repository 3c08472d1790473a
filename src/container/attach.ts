// Attach for the streaming server: conmon's attach socket (SOCK_SEQPACKET,
// spoken by the berth-stream helper: stdin → packets, packets tagged 2/3 →
// stdout/stderr) and its ctl fifo for resize ("1 <height> <width>\n").
// stdin_once is conmon's: created without --leave-stdin-open, it closes the
// container's stdin when an attached client's socket ends (EOF or detach).
// When the client ends its stdin, the session ends with it (as containerd
// and CRI-O do: `echo cmd | crictl attach -i` returns) unless the container
// is stdin_once without a terminal: then its stdin is closed and the output
// is relayed until it exits.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { helperConnected, spawnAttachHelper, type AtStdinEnd } from '../oci/stream-helper.js';
import type { AttachSession, TerminalSize } from '../stream/backend.js';
import { errnoCode } from '../util/errors.js';

export interface AttachTarget {
  helper: string;
  containerId: string;
  /** The container's bundle: conmon's `attach` socket and `ctl` fifo are there. */
  bundle: string;
  /** The container was created with a terminal (ContainerConfig.tty). */
  tty: boolean;
  /** ContainerConfig.stdin_once: the first attach's end of stdin closes the container's stdin. */
  stdinOnce: boolean;
}

/** Pure: what the end of the client's stdin means for this attach. */
export function atStdinEnd(t: Pick<AttachTarget, 'tty' | 'stdinOnce'>, clientHasStdin: boolean): AtStdinEnd {
  if (!clientHasStdin) return 'keep';
  return t.stdinOnce && !t.tty ? 'half-close' : 'detach';
}

/** Resolves when the container exits (conmon closes the socket) or the session aborts (detach). */
export async function attachContainer(t: AttachTarget, s: AttachSession): Promise<void> {
  // A client that never had stdin must not close a stdin_once container's input.
  const h = spawnAttachHelper(t.helper, t.bundle, atStdinEnd(t, !!s.stdin), !!s.stdin);
  const detach = (): void => void h.child.kill('SIGKILL');
  s.signal.addEventListener('abort', detach, { once: true });
  if (s.signal.aborted) detach();
  let ctl: FileHandle | undefined;
  try {
    await helperConnected(h, 'monitor', `attach to ${t.containerId}`);
    if (s.stdin && h.stdin) {
      h.stdin.on('error', () => undefined);
      s.stdin.pipe(h.stdin);
    }
    if (s.resize) ctl = await openCtl(t.bundle);
    if (s.resize && ctl) void sendSizes(s.resize, ctl);
    await Promise.all([copy(h.stdout, s.stdout), copy(h.stderr, t.tty ? s.stdout : s.stderr)]);
  } finally {
    s.signal.removeEventListener('abort', detach);
    if (s.stdin && h.stdin) s.stdin.unpipe(h.stdin);
    if (h.child.exitCode === null) h.child.kill('SIGKILL');
    await ctl?.close().catch(() => undefined);
  }
}

/** The ctl fifo, without blocking when conmon is gone (ENXIO: no reader). */
async function openCtl(bundle: string): Promise<FileHandle | undefined> {
  try {
    return await open(join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (errnoCode(e) === 'ENXIO' || errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

async function sendSizes(sizes: AsyncIterable<TerminalSize>, ctl: FileHandle): Promise<void> {
  try {
    for await (const { width, height } of sizes) await ctl.write(`1 ${height} ${width}\n`);
  } catch {
    /* conmon went away, or the session ended */
  }
}

function copy(from: Readable, to: Writable | undefined): Promise<void> {
  return new Promise((resolve) => {
    from.once('close', () => resolve());
    from.once('error', () => resolve());
    if (to) from.pipe(to, { end: false });
    else from.resume();
  });
}
