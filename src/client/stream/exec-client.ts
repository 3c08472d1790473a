// The client of an exec or attach URL, over SPDY/3.1 (what kubectl and
// crictl speak) or WebSocket: connects the caller's streams to the
// session's and returns the exit code the server reports.
import type { Readable, Writable } from 'node:stream';
import {
  Channel,
  execProtocolVersion,
  isBase64Protocol,
  SPDY_EXEC_PROTOCOLS,
  StreamType,
  WS_EXEC_PROTOCOLS,
} from '../../protocol/k8s/protocols.js';
import { encodeResize, type TerminalSize } from '../../protocol/k8s/resize.js';
import { decodeOutcome } from '../../protocol/k8s/status.js';
import type { SpdyStream } from '../../protocol/spdy/connection.js';
import { dialSpdy } from './spdy-dial.js';
import { dialWebSocket } from './ws-dial.js';
import { ChannelMux } from '../../protocol/k8s/ws-mux.js';

export type Transport = 'spdy' | 'websocket';

export interface ExecClientOptions {
  transport?: Transport;
  /** Protocol versions to offer, in preference order (default: all we speak). */
  protocols?: readonly string[];
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty?: boolean;
  resize?: AsyncIterable<TerminalSize>;
  /** Aborting closes the connection (the server then kills the process). */
  signal?: AbortSignal;
}

export interface ExecClientResult {
  exitCode: number;
  /** The protocol the server chose. */
  protocol: string;
}

/** Thrown when the server reports a failure that is not an exit code. */
export class StreamSessionError extends Error {}

export async function runExecClient(url: string, opts: ExecClientOptions = {}): Promise<ExecClientResult> {
  try {
    return await ((opts.transport ?? 'spdy') === 'spdy' ? execOverSpdy(url, opts) : execOverWebSocket(url, opts));
  } catch (e) {
    if (opts.signal?.aborted && !(e instanceof StreamSessionError)) throw new StreamSessionError('cancelled');
    throw e;
  }
}

async function execOverSpdy(url: string, opts: ExecClientOptions): Promise<ExecClientResult> {
  const { conn, protocol } = await dialSpdy(url, opts.protocols ?? SPDY_EXEC_PROTOCOLS);
  const version = execProtocolVersion(protocol);
  const abort = (): void => conn.destroy(new Error('cancelled'));
  opts.signal?.addEventListener('abort', abort, { once: true });
  if (opts.signal?.aborted) abort();
  try {
    const open = (type: string): Promise<SpdyStream> => conn.openStream({ streamtype: type });
    // The error stream first, as client-go does; then one per stdio, then resize.
    const error = await open(StreamType.error);
    error.end(); // we never write on it
    const errorText = collect(error);
    const [stdin, stdout, stderr, resize] = await Promise.all([
      opts.stdin ? open(StreamType.stdin) : undefined,
      opts.stdout ? open(StreamType.stdout) : undefined,
      opts.stderr && !opts.tty ? open(StreamType.stderr) : undefined,
      // With tty, v3+: always, as client-go does (the server waits for it).
      opts.tty && version >= 3 ? open(StreamType.resize) : undefined,
    ]);
    if (stdin && opts.stdin) opts.stdin.pipe(stdin);
    if (resize && opts.resize) void sendSizes(opts.resize, (b) => resize.write(b));
    stdout?.end();
    stderr?.end();
    await Promise.all([copyOut(stdout, opts.stdout), copyOut(stderr, opts.stderr && !opts.tty ? opts.stderr : undefined)]);
    return { ...outcome(await errorText, version), protocol };
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    if (opts.stdin) opts.stdin.unpipe();
    conn.close();
  }
}

async function execOverWebSocket(url: string, opts: ExecClientOptions): Promise<ExecClientResult> {
  const { ws, protocol, attached: mux } = await dialWebSocket(url, opts.protocols ?? WS_EXEC_PROTOCOLS, (socket, p) => {
    const m = new ChannelMux(socket, { base64: isBase64Protocol(p), sendCloseOnEnd: execProtocolVersion(p) >= 5 });
    // Output channels exist before the first message can arrive (unknown channels are dropped).
    for (const c of [Channel.stdout, Channel.stderr, Channel.error]) m.channel(c);
    return m;
  });
  const version = execProtocolVersion(protocol);
  const abort = (): void => ws.terminate();
  opts.signal?.addEventListener('abort', abort, { once: true });
  if (opts.signal?.aborted) abort();
  let closeCode = 0;
  const closed = new Promise<void>((resolve) => ws.once('close', (code: number) => resolve(void (closeCode = code))));
  try {
    const errorText = collect(mux.channel(Channel.error));
    if (opts.stdin) opts.stdin.pipe(mux.channel(Channel.stdin), { end: version >= 5 });
    if (opts.tty && opts.resize) {
      const resize = mux.channel(Channel.resize);
      void sendSizes(opts.resize, (b) => resize.write(b));
    }
    await Promise.all([
      copyOut(opts.stdout ? mux.channel(Channel.stdout) : undefined, opts.stdout),
      copyOut(opts.stderr && !opts.tty ? mux.channel(Channel.stderr) : undefined, opts.stderr),
      closed,
    ]);
    const text = await errorText;
    // 1000 is a normal close; anything else means the session was cut short.
    if (closeCode !== 1000) throw new StreamSessionError(`connection to the streaming server lost (WebSocket close code ${closeCode})`);
    return { ...outcome({ data: text.data, complete: true }, version), protocol };
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    if (opts.stdin) opts.stdin.unpipe();
    ws.close();
  }
}

function outcome(errorText: { data: Buffer; complete: boolean }, version: number): { exitCode: number } {
  // A session cut short has no status: an empty error stream then is no success.
  if (!errorText.complete) throw new StreamSessionError('connection to the streaming server lost before the session ended');
  const o = decodeOutcome(errorText.data, version);
  if ('error' in o) throw new StreamSessionError(o.error);
  return o;
}

/** Copies a session stream into the caller's writable without ending it (it may be process.stdout). */
function copyOut(from: Readable | undefined, to: Writable | undefined): Promise<void> {
  if (!from || !to) return Promise.resolve();
  return new Promise((resolve) => {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.once('end', () => resolve());
    from.once('close', () => resolve());
  });
}

/** All bytes of a stream, at its end (complete) or when it is destroyed first (cut short). */
function collect(from: Readable): Promise<{ data: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    from.on('data', (c: Buffer) => parts.push(c));
    from.once('end', () => resolve({ data: Buffer.concat(parts), complete: true }));
    from.once('close', () => resolve({ data: Buffer.concat(parts), complete: false }));
  });
}

async function sendSizes(sizes: AsyncIterable<TerminalSize>, write: (b: Buffer) => void): Promise<void> {
  try {
    for await (const s of sizes) write(encodeResize(s));
  } catch {
    /* the session is over */
  }
}
