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
 * Copies both ways with half-close: the client's end → end of our writes to
 * the pod; the pod's end → stream.end(). Resolves when both directions are
 * done, the client's stream is torn down or the pod side is gone (`podGone`).
 */
function relay(stream: Duplex, toPod: Writable, fromPod: Readable, podGone: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    let open = 2;
    const half = (): void => {
      if (--open === 0) resolve();
    };
    toPod.on('error', () => undefined);
    stream.pipe(toPod);
    fromPod.pipe(stream);
    stream.once('end', half);
    fromPod.once('end', half);
    stream.once('close', () => resolve());
    void podGone.then(() => resolve());
  });
}

function collect(r: Readable): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    r.on('data', (b: Buffer) => parts.push(b));
    r.once('close', () => resolve(Buffer.concat(parts).toString()));
  });
}
