// The client of a port-forward URL. Over SPDY one connection carries every
// forwarded TCP connection as an (error, data) stream pair; over WebSocket
// each connection needs its own URL (tokens are single use), with the data
// on channel 0 and errors on channel 1, each opened by the port.
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { isBase64Protocol, SPDY_PORTFORWARD_PROTOCOLS, StreamType, WS_PORTFORWARD_PROTOCOLS } from '../../protocol/k8s/protocols.js';
import { ChannelMux } from '../../protocol/k8s/ws-mux.js';
import type { SpdyConnection, SpdyStream } from '../../protocol/spdy/connection.js';
import { dialSpdy } from './spdy-dial.js';
import { dialWebSocket } from './ws-dial.js';

/** Forwards connections over one SPDY connection. */
export class SpdyPortForwarder {
  private nextRequestId = 0;

  private constructor(readonly conn: SpdyConnection) {}

  static async dial(url: string): Promise<SpdyPortForwarder> {
    const { conn } = await dialSpdy(url, SPDY_PORTFORWARD_PROTOCOLS);
    return new SpdyPortForwarder(conn);
  }

  /** Wraps an already established client connection (e.g. SPDY tunnelled in a WebSocket). */
  static over(conn: SpdyConnection): SpdyPortForwarder {
    return new SpdyPortForwarder(conn);
  }

  /** Forwards one local connection to the pod's port; rejects with the server's error text. */
  async forward(socket: Duplex, port: number): Promise<void> {
    const headers = { port: String(port), requestid: String(this.nextRequestId++) };
    const error = await this.conn.openStream({ streamtype: StreamType.error, ...headers });
    error.end(); // nothing to say on it
    const errorText = collect(error);
    let data: SpdyStream;
    try {
      data = await this.conn.openStream({ streamtype: StreamType.data, ...headers });
    } catch (e) {
      error.reset();
      throw e;
    }
    await splice(socket, data);
    const text = await errorText;
    if (text.length) throw new Error(text.toString('utf8'));
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  close(): void {
    this.conn.close();
  }
}

/** Forwards one local connection over a WebSocket (url: a fresh PortForward URL). */
export async function forwardOverWebSocket(url: string, socket: Duplex, port: number, protocols: readonly string[] = WS_PORTFORWARD_PROTOCOLS.slice(0, 1)): Promise<void> {
  const { ws, attached } = await dialWebSocket(url, protocols, (socket, protocol) => {
    const mux = new ChannelMux(socket, { base64: isBase64Protocol(protocol) });
    // Wired before the first message (the port prefix) can arrive.
    return { out: mux.channel(0), data: stripPortPrefix(mux.channel(0)), errorText: collect(stripPortPrefix(mux.channel(1))) };
  });
  const { out, data, errorText } = attached;
  socket.on('data', (c: Buffer) => {
    if (!out.write(c)) {
      socket.pause();
      out.once('drain', () => socket.resume());
    }
  });
  // No half-close in this protocol: the WebSocket ends when the pod side does, or when the local side goes away.
  socket.once('close', () => ws.close(1000));
  data.pipe(socket);
  await new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const text = await errorText;
  if (text.length) {
    socket.destroy();
    throw new Error(text.toString('utf8'));
  }
}

export interface LocalForward {
  localPort: number;
  remotePort: number;
}

/** Listens on each local port and hands every accepted connection to `forward`. */
export async function listenForwards(
  specs: readonly LocalForward[],
  address: string,
  forward: (socket: Socket, remotePort: number) => Promise<void>,
  onError: (message: string) => void,
): Promise<{ bound: LocalForward[]; close(): void }> {
  const servers: Server[] = [];
  const bound: LocalForward[] = [];
  for (const spec of specs) {
    // Half-open: a local client that finished sending must still get the answer.
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      socket.setNoDelay(true);
      forward(socket, spec.remotePort).catch((e: unknown) => {
        onError(`an error occurred forwarding ${spec.localPort} -> ${spec.remotePort}: ${e instanceof Error ? e.message : String(e)}`);
        socket.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.localPort, address, () => resolve());
    });
    servers.push(server);
    bound.push({ localPort: (server.address() as { port: number }).port, remotePort: spec.remotePort });
  }
  return { bound, close: () => servers.forEach((s) => s.close()) };
}

/** Copies both ways with half-close; resolves when both directions are done or either side dies. */
function splice(socket: Duplex, data: SpdyStream): Promise<void> {
  return new Promise((resolve) => {
    let pending = 2;
    const done = (): void => {
      if (--pending === 0) resolve();
    };
    socket.pipe(data);
    data.pipe(socket);
    socket.once('end', done);
    data.once('end', done);
    socket.once('error', () => data.reset());
    socket.once('close', () => {
      if (!data.destroyed && !data.writableEnded) data.reset();
      resolve();
    });
    data.once('close', () => {
      if (!socket.writableEnded) socket.destroy();
      resolve();
    });
  });
}

/** Drops the 2-byte port prefix the server opens each WebSocket channel with. */
function stripPortPrefix(channel: Readable): Readable {
  let skip = 2;
  const out = new PassThrough();
  channel.on('data', (c: Buffer) => {
    if (skip > 0) {
      const n = Math.min(skip, c.length);
      skip -= n;
      c = c.subarray(n);
    }
    if (c.length && !out.write(c)) {
      channel.pause();
      out.once('drain', () => channel.resume());
    }
  });
  channel.once('end', () => out.end());
  channel.once('close', () => out.end());
  return out;
}

function collect(from: Readable): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    from.on('data', (c: Buffer) => parts.push(c));
    from.once('end', () => resolve(Buffer.concat(parts)));
    from.once('close', () => resolve(Buffer.concat(parts)));
  });
}
