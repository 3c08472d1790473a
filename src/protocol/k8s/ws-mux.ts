// Kubernetes channels over one WebSocket, each as a Node Duplex: writes
// become messages on that channel, messages on it become readable data.
// Used by both ends (the streaming server and Berth's client). A reader
// that falls behind pauses the WebSocket (TCP backpressure); a write's
// callback waits until the message reached the socket.
import { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { decodeChannelMessage, encodeChannelClose, encodeChannelMessage } from './ws-channels.js';

export interface ChannelMuxOptions {
  base64: boolean;
  /** Ending a channel's writable side sends the v5 close message [255, channel] (client side of v5). */
  sendCloseOnEnd?: boolean;
  /** Close the WebSocket after this long without a message either way; 0/absent: never. */
  idleTimeoutMs?: number;
}

const OPEN = 1;

export class ChannelMux {
  private readonly channels = new Map<number, ChannelStream>();
  private readonly congested = new Set<ChannelStream>();
  private lastActivity = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly opts: ChannelMuxOptions,
  ) {
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(toBuffer(data), isBinary));
    ws.once('close', () => this.onClose());
    const idle = opts.idleTimeoutMs ?? 0;
    if (idle > 0) {
      const check = (): void => {
        const quiet = Date.now() - this.lastActivity;
        if (quiet < idle) this.idleTimer = setTimeout(check, idle - quiet);
        else ws.close(1000, 'idle timeout');
      };
      this.idleTimer = setTimeout(check, idle);
    }
  }

  /** The channel's stream (created on first use; messages for unknown channels are dropped). */
  channel(n: number): ChannelStream {
    let c = this.channels.get(n);
    if (!c) {
      c = new ChannelStream(this, n);
      this.channels.set(n, c);
    }
    return c;
  }

  /** @internal */
  send(channel: number, data: Buffer, cb: () => void): void {
    // Once the WebSocket is gone, output has nowhere to go: drop it rather than
    // fail the writer (the session learns of the end from the 'close' event).
    if (this.ws.readyState !== OPEN) {
      cb();
      return;
    }
    this.lastActivity = Date.now();
    this.ws.send(encodeChannelMessage(channel, data, this.opts.base64), { binary: !this.opts.base64 }, () => cb());
  }

  /** @internal */
  sendClose(channel: number): void {
    if (this.opts.sendCloseOnEnd && this.ws.readyState === OPEN) this.ws.send(encodeChannelClose(channel));
  }

  /** @internal a channel's reader is behind */
  pauseFor(c: ChannelStream): void {
    this.congested.add(c);
    this.ws.pause();
  }

  /** @internal */
  resumeFor(c: ChannelStream): void {
    if (this.congested.delete(c) && this.congested.size === 0) this.ws.resume();
  }

  private onMessage(message: Buffer, isBinary: boolean): void {
    this.lastActivity = Date.now();
    const m = decodeChannelMessage(message, isBinary, this.opts.base64);
    if (!m) return;
    const c = this.channels.get(m.channel);
    if (!c) return;
    if (m.kind === 'close') c.remoteEnd();
    else c.deliver(m.data);
  }

  private onClose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const c of this.channels.values()) c.remoteEnd();
    this.congested.clear();
  }
}

export class ChannelStream extends Duplex {
  private ended = false;

  constructor(
    private readonly mux: ChannelMux,
    readonly channel: number,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.mux.send(this.channel, chunk, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.mux.sendClose(this.channel);
    cb();
  }

  override _read(): void {
    this.mux.resumeFor(this);
  }

  /** @internal */
  deliver(data: Buffer): void {
    if (this.ended) return;
    if (!this.push(data)) this.mux.pauseFor(this);
  }

  /** @internal the peer closed this channel (v5) or the WebSocket closed */
  remoteEnd(): void {
    if (this.ended) return;
    this.ended = true;
    this.push(null);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
