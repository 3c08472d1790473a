// Port-forward for the streaming server: one TCP connection to
// 127.0.0.1:port (then [::1]:port) as seen from inside the pod. Node cannot
// enter a network namespace on its event-loop thread, so for a pod with its
// own namespace the berth-stream helper joins it, connects and relays (one
// process per connection); node-network pods are dialled from berthd itself.
import { connect, type Socket } from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';
import { helperConnected, spawnDialHelper } from '../oci/stream-helper.js';
import type { PortForwardSession } from '../stream/backend.js';
import { BerthError, Code, errorMessage } from '../util/errors.js';

export interface PortForwardTarget {
  helper: () => Promise<string>;
  podSandboxId: string;
  /** The pod's pinned network namespace; undefined: the node's. */
  netns: string | undefined;
}

export async function portForward(t: PortForwardTarget, s: PortForwardSession): Promise<void> {
  const what = `port-forward to port ${s.port} of pod ${t.podSandboxId}`;
  if (!t.netns) return relaySocket(await dialHost(s.port, what), s, what);
  const h = spawnDialHelper(await t.helper(), t.netns, s.port);
  const stop = (): void => void h.child.kill('SIGKILL');
  s.signal.addEventListener('abort', stop, { once: true });
  if (s.signal.aborted) stop();
  try {
    await helperConnected(h, 'network', what);
    const failure = collect(h.stderr);
    const exited = new Promise<number | null>((resolve) => h.child.once('close', (code) => resolve(code)));
    await relay(s.stream, h.stdin as Writable, h.stdout, exited);
    const code = await exited;
    if (code !== 0 && !s.signal.aborted) {
      throw new BerthError(Code.Unavailable, 'network', `${what}: ${(await failure).replace(/^berth-stream: /gm, '').trim() || `helper exit status ${code}`}`);
    }
  } finally {
    s.signal.removeEventListener('abort', stop);
    if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
  }
}

/** A node-network pod: its localhost is ours. */
async function dialHost(port: number, what: string): Promise<Socket> {
  const errors: string[] = [];
  for (const host of ['127.0.0.1', '::1']) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const sock = connect({ host, port, allowHalfOpen: true });
        sock.once('connect', () => resolve(sock));
        sock.once('error', reject);
      });
    } catch (e) {
      errors.push(`${host.includes(':') ? `[${host}]` : host}: ${errorMessage(e)}`);
    }
  }
  throw new BerthError(Code.Unavailable, 'network', `${what}: cannot connect: ${errors.join('; ')}`);
}

async function relaySocket(sock: Socket, s: PortForwardSession, what: string): Promise<void> {
  const stop = (): void => void sock.destroy();
  s.signal.addEventListener('abort', stop, { once: true });
  let failed: Error | undefined;
  sock.once('error', (e) => (failed = e));
  try {
    await relay(s.stream, sock, sock, new Promise((resolve) => sock.once('close', resolve)));
  } finally {
    s.signal.removeEventListener('abort', stop);
    sock.destroy();
  }
  if (failed && !s.signal.aborted) throw new BerthError(Code.Unavailable, 'network', `${what}: ${failed.message}`);
}

/**
 * After the pod's side ended, how long the client may stay silent before its
 * direction is ended too. Many clients never half-close (WebSocket
 * port-forward has no way to), and a pod that closed its connection must not
 * leave the session open; containerd allows 1 s after the first direction
 * ends. Here it only counts silence, so a client still sending is not cut.
 */
const CLIENT_GRACE_AFTER_POD_END_MS = 1000;

/**
 * Copies both ways with half-close: the client's end → end of our writes to
 * the pod; the pod's end → stream.end(). Resolves when both directions are
 * done, the client's stream is torn down or the pod side is gone (`podGone`).
 */
function relay(stream: Duplex, toPod: Writable, fromPod: Readable, podGone: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    let open = 2;
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      stream.off('data', quietAgain);
      resolve();
    };
    const half = (): void => {
      if (--open === 0) done();
    };
    const endClientSide = (): void => {
      stream.unpipe(toPod);
      toPod.end();
      half();
    };
    const quietAgain = (): void => {
      if (timer) timer.refresh();
    };
    toPod.on('error', () => undefined);
    stream.pipe(toPod);
    fromPod.pipe(stream);
    stream.once('end', () => {
      clearTimeout(timer);
      timer = undefined;
      half();
    });
    fromPod.once('end', () => {
      half();
      if (open > 0) {
        timer = setTimeout(endClientSide, CLIENT_GRACE_AFTER_POD_END_MS);
        stream.on('data', quietAgain);
      }
    });
    stream.once('close', done);
    void podGone.then(done);
  });
}

function collect(r: Readable): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    r.on('data', (b: Buffer) => parts.push(b));
    r.once('close', () => resolve(Buffer.concat(parts).toString()));
  });
}
