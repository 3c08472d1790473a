// The SPDY/3.1 connection state machine, for either end of an upgraded
// HTTP/1.1 connection. It owns the socket, the two header-compression
// contexts and the stream table:
//   SYN_STREAM (peer) → 'stream' event; the handler replies (SYN_REPLY)
//   openStream()      → SYN_STREAM, resolved by the peer's SYN_REPLY
//   DATA / FIN        → the stream's readable side; RST_STREAM → destroy
//   PING              → echoed (peer's) or resolved (ours)
//   GOAWAY            → no new streams; close() sends one and ends the socket
//   SETTINGS, WINDOW_UPDATE, NOOP, CREDENTIAL → ignored
// Flow-control windows are never enforced: Go's spdystream (kubectl, the
// kubelet's client) never sends WINDOW_UPDATE, so a 64 KiB window would stall.
// Memory stays bounded by TCP backpressure instead: when a stream's reader
// falls behind, the connection stops reading the socket until it catches up.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { GoAwayStatus, RstStatus, SpdyProtocolError, type Frame, type SpdyHeaders } from './frames.js';
import { FrameReader } from './framer.js';
import { FrameWriter } from './writer.js';
import { HeaderCompressor, HeaderDecompressor } from './zlib-headers.js';
import { SpdyStream, type StreamHost } from './stream.js';

export { SpdyStream } from './stream.js';

export interface SpdyConnectionOptions {
  /** A client opens odd stream ids and accepts even ones; a server the reverse. */
  role: 'client' | 'server';
  /** Close after this long without a frame either way; 0 or absent: never. */
  idleTimeoutMs?: number;
  /** Bytes a stream buffers for a slow reader before the socket is paused (default 1 MiB). */
  streamBufferBytes?: number;
  /** Peer-opened streams alive at once; more are refused (default 4096). */
  maxPeerStreams?: number;
  /** Bytes that arrived with the upgrade response/request, before the socket was handed over. */
  head?: Buffer;
}

export interface SpdyConnection {
  on(event: 'stream', listener: (stream: SpdyStream) => void): this;
  on(event: 'goaway', listener: (lastGoodStreamId: number, status: number) => void): this;
  on(event: 'timeout', listener: () => void): this;
  on(event: 'close', listener: (err?: Error) => void): this;
  once(event: 'close', listener: (err?: Error) => void): this;
}

export class SpdyConnection extends EventEmitter implements StreamHost {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly reader: FrameReader;
  private readonly writer = new FrameWriter(new HeaderCompressor());
  private readonly pendingOpens = new Map<number, { resolve: (s: SpdyStream) => void; reject: (e: Error) => void }>();
  private readonly pings = new Map<number, { sent: number; resolve: (rttMs: number) => void; reject: (e: Error) => void }>();
  private readonly congestedStreams = new Set<SpdyStream>();
  private drainWaiters: (() => void)[] = [];
  private nextStreamId: number;
  private nextPingId: number;
  private lastPeerStreamId = 0;
  private peerStreams = 0;
  private lastActivity = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private goAwaySent = false;
  private goAwayReceived = false;
  private isClosed = false;
  private torndown = false;
  private readonly bufferBytes: number;
  private readonly maxPeerStreams: number;

  constructor(
    readonly socket: Duplex,
    private readonly opts: SpdyConnectionOptions,
  ) {
    super();
    this.nextStreamId = opts.role === 'client' ? 1 : 2;
    this.nextPingId = opts.role === 'client' ? 1 : 2;
    this.bufferBytes = opts.streamBufferBytes ?? 1024 * 1024;
    this.maxPeerStreams = opts.maxPeerStreams ?? 4096;
    this.reader = new FrameReader(new HeaderDecompressor(), (f) => this.onFrame(f));
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('end', () => this.teardown());
    socket.on('close', () => this.teardown());
    socket.on('error', (e: Error) => this.teardown(e));
    socket.on('drain', () => this.runDrainWaiters());
    this.armIdleTimer();
    // Bytes that came with the upgrade go first; deferred so the caller can subscribe to 'stream'.
    const head = opts.head;
    if (head?.length) process.nextTick(() => this.onBytes(head));
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Opens a stream (SYN_STREAM) and resolves once the peer accepts it (SYN_REPLY). */
  openStream(headers: SpdyHeaders, timeoutMs = 30_000): Promise<SpdyStream> {
    if (this.isClosed || this.goAwayReceived) return Promise.reject(new Error('spdy: connection is closing; cannot open a stream'));
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(this, id, headers, { local: true, readableHighWaterMark: this.bufferBytes });
    this.streams.set(id, stream);
    return new Promise<SpdyStream>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingOpens.delete(id);
        stream.reset(RstStatus.CANCEL);
        reject(new Error(`spdy: no reply to stream ${id} (${JSON.stringify(headers)}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingOpens.set(id, {
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.send({ type: 'syn_stream', streamId: id, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers });
    });
  }

  /** Sends a PING and resolves with the round trip in milliseconds. */
  ping(): Promise<number> {
    if (this.isClosed) return Promise.reject(new Error('spdy: connection closed'));
    const id = this.nextPingId;
    this.nextPingId = (this.nextPingId + 2) >>> 0;
    return new Promise((resolve, reject) => {
      this.pings.set(id, { sent: Date.now(), resolve, reject });
      this.send({ type: 'ping', id });
    });
  }

  /** Graceful close: GOAWAY, then end the socket once queued frames are written. */
  close(status: number = GoAwayStatus.OK): void {
    if (this.isClosed) return;
    this.sendGoAway(status);
    this.isClosed = true;
    this.socket.end();
    // A peer that never closes its side must not keep the socket forever.
    setTimeout(() => this.socket.destroy(), 5000).unref();
    this.teardown();
  }

  /** Abrupt close. */
  destroy(err?: Error): void {
    this.socket.destroy();
    this.teardown(err);
  }

  // ---- StreamHost: what streams call ----

  sendData(streamId: number, data: Buffer, fin: boolean): boolean {
    return this.send({ type: 'data', streamId, fin, data });
  }

  sendReply(streamId: number, headers: SpdyHeaders): void {
    this.send({ type: 'syn_reply', streamId, fin: false, headers });
  }

  sendReset(streamId: number, status: number): void {
    this.send({ type: 'rst_stream', streamId, status });
  }

  waitDrain(resume: () => void): void {
    if (this.socket.destroyed || !this.socket.writableNeedDrain) resume();
    else this.drainWaiters.push(resume);
  }

  congested(stream: SpdyStream): void {
    this.congestedStreams.add(stream);
    this.socket.pause();
  }

  relieved(stream: SpdyStream): void {
    if (this.congestedStreams.delete(stream) && this.congestedStreams.size === 0 && !this.socket.destroyed) this.socket.resume();
  }

  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    if (stream.id % 2 !== this.nextStreamId % 2) this.peerStreams--;
    this.relieved(stream);
    const pending = this.pendingOpens.get(stream.id);
    if (pending) {
      this.pendingOpens.delete(stream.id);
      pending.reject(new Error(`spdy: stream ${stream.id} was reset${stream.resetStatus ? ` (status ${stream.resetStatus})` : ''}`));
    }
  }

  // ---- incoming ----

  private onBytes(chunk: Buffer): void {
    this.lastActivity = Date.now();
    try {
      this.reader.push(chunk);
    } catch (e) {
      if (!(e instanceof SpdyProtocolError)) throw e;
      this.sendGoAway(GoAwayStatus.PROTOCOL_ERROR);
      this.destroy(e);
    }
  }

  private onFrame(f: Frame): void {
    switch (f.type) {
      case 'data':
        // Data for a stream that is gone (reset, timed out) is dropped: it may legitimately cross our RST.
        this.streams.get(f.streamId)?.onData(f.data, f.fin);
        return;
      case 'syn_stream':
        this.onSynStream(f.streamId, f.headers, f.fin);
        return;
      case 'syn_reply': {
        const stream = this.streams.get(f.streamId);
        const pending = this.pendingOpens.get(f.streamId);
        if (!stream) return;
        stream.onReply(f.headers);
        if (pending) {
          this.pendingOpens.delete(f.streamId);
          pending.resolve(stream);
        }
        if (f.fin) stream.onRemoteFin();
        return;
      }
      case 'headers':
        if (f.fin) this.streams.get(f.streamId)?.onRemoteFin();
        return;
      case 'rst_stream':
        this.streams.get(f.streamId)?.onReset(f.status);
        return;
      case 'ping':
        this.onPing(f.id);
        return;
      case 'goaway':
        this.onGoAway(f.lastGoodStreamId, f.status);
        return;
      case 'settings':
      case 'window_update':
      case 'unknown':
        return;
    }
  }

  private onSynStream(id: number, headers: SpdyHeaders, fin: boolean): void {
    const peerParity = this.nextStreamId % 2 === 1 ? 0 : 1;
    if (id === 0 || id % 2 !== peerParity || id <= this.lastPeerStreamId) {
      this.sendReset(id, RstStatus.PROTOCOL_ERROR);
      return;
    }
    this.lastPeerStreamId = id;
    if (this.goAwaySent || this.isClosed || this.peerStreams >= this.maxPeerStreams) {
      this.sendReset(id, RstStatus.REFUSED_STREAM);
      return;
    }
    const stream = new SpdyStream(this, id, headers, { local: false, readableHighWaterMark: this.bufferBytes });
    this.streams.set(id, stream);
    this.peerStreams++;
    if (fin) stream.onRemoteFin();
    if (this.listenerCount('stream') === 0) stream.reset(RstStatus.REFUSED_STREAM);
    else this.emit('stream', stream);
  }

  private onPing(id: number): void {
    const ours = id % 2 === this.nextPingId % 2;
    if (!ours) {
      this.send({ type: 'ping', id });
      return;
    }
    const p = this.pings.get(id);
    if (p) {
      this.pings.delete(id);
      p.resolve(Date.now() - p.sent);
    }
  }

  private onGoAway(lastGood: number, status: number): void {
    this.goAwayReceived = true;
    // Streams we opened after the peer's last accepted one will never be served.
    for (const [id, stream] of this.streams) {
      if (id > lastGood && id % 2 === this.nextStreamId % 2) stream.onReset(RstStatus.REFUSED_STREAM);
    }
    this.emit('goaway', lastGood, status);
  }

  // ---- outgoing ----

  private send(frame: Frame): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    this.lastActivity = Date.now();
    const bufs = this.writer.encode(frame);
    if (bufs.length === 1) return this.socket.write(bufs[0]);
    this.socket.cork();
    let ok = true;
    for (const b of bufs) ok = this.socket.write(b);
    this.socket.uncork();
    return ok;
  }

  private sendGoAway(status: number): void {
    if (this.goAwaySent) return;
    this.goAwaySent = true;
    this.send({ type: 'goaway', lastGoodStreamId: this.lastPeerStreamId, status });
  }

  private runDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  private armIdleTimer(): void {
    const ms = this.opts.idleTimeoutMs ?? 0;
    if (ms <= 0) return;
    const check = (): void => {
      const idle = Date.now() - this.lastActivity;
      if (idle < ms) {
        this.idleTimer = setTimeout(check, ms - idle);
        return;
      }
      this.emit('timeout');
      this.close();
    };
    this.idleTimer = setTimeout(check, ms);
  }

  /** Everything ends: streams, pending opens and pings; 'close' once. */
  private teardown(err?: Error): void {
    const first = !this.torndown;
    this.torndown = true;
    this.isClosed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // Streams still open when the connection ends were cut short.
    for (const s of [...this.streams.values()]) s.onReset(RstStatus.CANCEL);
    for (const [, p] of this.pendingOpens) p.reject(err ?? new Error('spdy: connection closed'));
    this.pendingOpens.clear();
    for (const [, p] of this.pings) p.reject(err ?? new Error('spdy: connection closed'));
    this.pings.clear();
    this.runDrainWaiters();
    if (!this.socket.destroyed && this.socket.readableEnded && !this.socket.writableEnded) this.socket.end();
    if (first) this.emit('close', err);
  }
}
