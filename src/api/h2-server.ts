// A minimal HTTP/2 server connection, enough for gRPC over a unix socket:
// requests with headers and a body, answers with headers, data and trailers,
// server streams, cancellation, flow control both ways. Written instead of
// using node:http2 because there a unary answer always left in two socket
// writes (the trailers only after the data write completed), so every call
// woke the client twice; here the frames one event-loop turn produces leave
// in one write. It also takes any :authority (old gRPC-Go clients send the
// socket path, which nghttp2 refused).
//
// Receiving: we grant the largest windows at once and top the connection's
// up as it is used, so a client never waits on us. Sending: the client's
// windows and frame size are honoured; what does not fit waits for its
// WINDOW_UPDATE.
import type { Duplex } from 'node:stream';
import { ByteQueue } from '../util/byte-queue.js';
import { HpackDecoder, encodeWithoutIndexing, type HeaderField } from './hpack.js';
import { DEFAULT_MAX_FRAME, DEFAULT_WINDOW, E, F, MAX_WINDOW, PREFACE, S, T, frame, headerFrames, nextFrame, stripPadding, u32 } from './h2-frames.js';

const MAX_CONCURRENT_STREAMS = 1000;
/** A request's header block larger than this ends the connection (ENHANCE_YOUR_CALM). */
const MAX_HEADER_BLOCK = 1 << 20;
/** The connection window is topped up once this much of it was used. */
const WINDOW_REFILL = 1 << 30;

export type Headers = Record<string, string>;

export class H2ServerStream {
  /** Request body bytes (DATA payloads, in order). */
  onData: (b: Buffer) => void = () => undefined;
  /** The client finished its side (END_STREAM). */
  onEnd: () => void = () => undefined;
  /** The stream is over: answered and ended both ways, reset, or the connection lost. Once. */
  onClose: () => void = () => undefined;

  private sendWindow: number;
  private readonly pending = new ByteQueue();
  private pendingTrailers: Buffer | undefined;
  private headersSent = false;
  private localEnded = false;
  remoteEnded = false;
  closed = false;

  constructor(
    private readonly conn: H2ServerConnection,
    readonly id: number,
    readonly headers: Headers,
    initialWindow: number,
  ) {
    this.sendWindow = initialWindow;
  }

  get sentHeaders(): boolean {
    return this.headersSent;
  }

  /** Bytes of DATA waiting for the client's window. */
  get buffered(): number {
    return this.pending.length;
  }

  respond(headers: Headers, endStream = false): void {
    if (this.closed || this.headersSent) return;
    this.headersSent = true;
    this.conn.queueHeaders(this.id, headers, endStream);
    if (endStream) this.endedLocally();
  }

  write(data: Buffer): void {
    if (this.closed || this.localEnded) return;
    this.pending.push(data);
    this.flushData();
  }

  /** The trailers, ending our side (after any data still waiting for window). */
  end(trailers: Headers): void {
    if (this.closed || this.localEnded) return;
    this.localEnded = true;
    this.pendingTrailers = this.conn.encode(trailers);
    this.flushData();
  }

  /** RST_STREAM: the stream is over for both sides. */
  reset(code: number): void {
    if (this.closed) return;
    this.conn.queueFrame(frame(T.RST_STREAM, 0, this.id, u32(code)));
    this.close();
  }

  /** @internal Sends what the windows allow; the trailers once no data waits. */
  flushData(): void {
    while (this.pending.length > 0) {
      const n = Math.min(this.pending.length, this.sendWindow, this.conn.sendWindow, this.conn.peerMaxFrame);
      if (n <= 0) return;
      const chunk = this.pending.take(n);
      this.sendWindow -= n;
      this.conn.sendWindow -= n;
      this.conn.queueFrame(frame(T.DATA, 0, this.id, chunk));
    }
    if (this.pendingTrailers) {
      const block = this.pendingTrailers;
      this.pendingTrailers = undefined;
      this.conn.queueBlock(this.id, block, true);
      this.endedLocally();
    }
  }

  /** @internal */
  windowUpdate(delta: number): void {
    this.sendWindow += delta;
    this.flushData();
  }

  /** @internal */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.clear();
    this.conn.forget(this.id);
    this.onClose();
  }

  /** @internal The client ended its side. (Our side ending closes the stream: see endedLocally.) */
  endedRemotely(): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    this.onEnd();
  }

  private endedLocally(): void {
    this.localEnded = true;
    // Answered before the client finished sending: tell it to stop (as gRPC servers do).
    if (!this.remoteEnded) {
      this.conn.queueFrame(frame(T.RST_STREAM, 0, this.id, u32(E.NO_ERROR)));
    }
    this.close();
  }
}

export class H2ServerConnection {
  /** @internal Our connection-level send window (the client's receive window). */
  sendWindow = DEFAULT_WINDOW;
  /** @internal */
  peerMaxFrame = DEFAULT_MAX_FRAME;
  private peerInitialWindow = DEFAULT_WINDOW;
  private readonly decoder = new HpackDecoder();
  private readonly streams = new Map<number, H2ServerStream>();
  private lastStreamId = 0;
  private prefaceSeen = 0;
  private inbuf: Buffer = Buffer.alloc(0);
  private out: Buffer[] = [];
  private flushScheduled = false;
  private receivedSinceRefill = 0;
  private block: { id: number; endStream: boolean; parts: Buffer[]; bytes: number } | undefined;
  private dead = false;

  constructor(
    private readonly socket: Duplex,
    private readonly onStream: (s: H2ServerStream) => void,
  ) {
    const settings = Buffer.alloc(12);
    settings.writeUInt16BE(S.MAX_CONCURRENT_STREAMS, 0);
    settings.writeUInt32BE(MAX_CONCURRENT_STREAMS, 2);
    settings.writeUInt16BE(S.INITIAL_WINDOW_SIZE, 6);
    settings.writeUInt32BE(MAX_WINDOW, 8);
    this.queueFrame(frame(T.SETTINGS, 0, 0, settings));
    this.queueFrame(frame(T.WINDOW_UPDATE, 0, 0, u32(MAX_WINDOW - DEFAULT_WINDOW)));
    socket.on('data', (b: Buffer) => this.onBytes(b));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    socket.on('end', () => this.destroy());
  }

  /** GOAWAY, then the socket ends once the last frames are out; open streams are closed. */
  goAway(): void {
    if (this.dead) return;
    this.queueFrame(frame(T.GOAWAY, 0, 0, Buffer.concat([u32(this.lastStreamId), u32(E.NO_ERROR)])));
    this.flush();
    this.destroy();
  }

  /** @internal */
  encode(headers: Headers): Buffer {
    const fields: HeaderField[] = [];
    for (const [name, value] of Object.entries(headers)) fields.push({ name, value });
    return encodeWithoutIndexing(fields);
  }

  /** @internal */
  queueHeaders(id: number, headers: Headers, endStream: boolean): void {
    this.queueBlock(id, this.encode(headers), endStream);
  }

  /** @internal */
  queueBlock(id: number, block: Buffer, endStream: boolean): void {
    for (const f of headerFrames(id, block, endStream, this.peerMaxFrame)) this.queueFrame(f);
  }

  /** @internal Frames of one event-loop turn leave in one socket write. */
  queueFrame(f: Buffer): void {
    if (this.dead) return;
    this.out.push(f);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.dead || this.out.length === 0) return;
    const chunk = this.out.length === 1 ? (this.out[0] as Buffer) : Buffer.concat(this.out);
    this.out = [];
    this.socket.write(chunk);
  }

  private destroy(): void {
    if (this.dead) return;
    this.flush();
    this.dead = true;
    for (const s of [...this.streams.values()]) s.close();
    this.socket.destroy();
  }

  /** Ends the connection for a protocol violation. */
  private fail(code: number): void {
    if (this.dead) return;
    this.queueFrame(frame(T.GOAWAY, 0, 0, Buffer.concat([u32(this.lastStreamId), u32(code)])));
    this.destroy();
  }

  private onBytes(b: Buffer): void {
    if (this.dead) return;
    let data = b;
    if (this.prefaceSeen < PREFACE.length) {
      const n = Math.min(PREFACE.length - this.prefaceSeen, data.length);
      if (!data.subarray(0, n).equals(PREFACE.subarray(this.prefaceSeen, this.prefaceSeen + n))) {
        this.destroy(); // not HTTP/2 with prior knowledge
        return;
      }
      this.prefaceSeen += n;
      data = data.subarray(n);
    }
    this.inbuf = this.inbuf.length ? Buffer.concat([this.inbuf, data]) : data;
    while (!this.dead) {
      if (this.inbuf.length >= 3 && this.inbuf.readUIntBE(0, 3) > DEFAULT_MAX_FRAME) {
        this.fail(E.FRAME_SIZE_ERROR);
        return;
      }
      const f = nextFrame(this.inbuf);
      if (!f) break;
      this.inbuf = f.rest;
      this.onFrame(f.type, f.flags, f.id, f.payload);
    }
  }

  private onFrame(type: number, flags: number, id: number, payload: Buffer): void {
    // Inside a header block only its CONTINUATION frames may come.
    if (this.block && (type !== T.CONTINUATION || id !== this.block.id)) {
      this.fail(E.PROTOCOL_ERROR);
      return;
    }
    switch (type) {
      case T.HEADERS:
        this.onHeaders(flags, id, payload);
        return;
      case T.CONTINUATION:
        if (!this.block) {
          this.fail(E.PROTOCOL_ERROR);
          return;
        }
        this.addFragment(payload, flags);
        return;
      case T.DATA:
        this.onDataFrame(flags, id, payload);
        return;
      case T.SETTINGS:
        if (id !== 0 || payload.length % 6 !== 0) {
          this.fail(E.PROTOCOL_ERROR);
          return;
        }
        if (!(flags & F.ACK)) {
          this.applySettings(payload);
          this.queueFrame(frame(T.SETTINGS, F.ACK, 0, Buffer.alloc(0)));
        }
        return;
      case T.PING:
        if (payload.length !== 8) {
          this.fail(E.FRAME_SIZE_ERROR);
          return;
        }
        if (!(flags & F.ACK)) this.queueFrame(frame(T.PING, F.ACK, 0, payload));
        return;
      case T.WINDOW_UPDATE: {
        if (payload.length !== 4) {
          this.fail(E.FRAME_SIZE_ERROR);
          return;
        }
        const inc = payload.readUInt32BE(0) & 0x7fffffff;
        if (id === 0) {
          this.sendWindow += inc;
          for (const s of [...this.streams.values()]) s.flushData();
        } else this.streams.get(id)?.windowUpdate(inc);
        return;
      }
      case T.RST_STREAM:
        this.streams.get(id)?.close();
        return;
      case T.GOAWAY:
        // The client goes away: it opens no more streams; the socket's end closes the rest.
        return;
      case T.PUSH_PROMISE:
        this.fail(E.PROTOCOL_ERROR);
        return;
      default:
        return; // PRIORITY and unknown types are ignored
    }
  }

  private onHeaders(flags: number, id: number, payload: Buffer): void {
    let fragment = stripPadding(flags, payload);
    if (!fragment || id === 0 || id % 2 === 0) {
      this.fail(E.PROTOCOL_ERROR);
      return;
    }
    if (flags & F.PRIORITY) fragment = fragment.subarray(5);
    this.block = { id, endStream: (flags & F.END_STREAM) !== 0, parts: [], bytes: 0 };
    this.addFragment(fragment, flags);
  }

  private addFragment(fragment: Buffer, flags: number): void {
    const b = this.block as NonNullable<typeof this.block>;
    b.parts.push(fragment);
    b.bytes += fragment.length;
    if (b.bytes > MAX_HEADER_BLOCK) {
      this.fail(E.ENHANCE_YOUR_CALM);
      return;
    }
    if (!(flags & F.END_HEADERS)) return;
    this.block = undefined;
    let fields: HeaderField[];
    try {
      fields = this.decoder.decode(b.parts.length === 1 ? (b.parts[0] as Buffer) : Buffer.concat(b.parts));
    } catch {
      this.fail(E.COMPRESSION_ERROR);
      return;
    }
    const existing = this.streams.get(b.id);
    if (existing) {
      // Trailers from the client (gRPC clients send none): only their END_STREAM matters.
      if (b.endStream) existing.endedRemotely();
      return;
    }
    if (b.id <= this.lastStreamId) return; // a closed stream's late headers
    this.lastStreamId = b.id;
    if (this.streams.size >= MAX_CONCURRENT_STREAMS) {
      this.queueFrame(frame(T.RST_STREAM, 0, b.id, u32(E.REFUSED_STREAM)));
      return;
    }
    const headers: Headers = {};
    for (const f of fields) headers[f.name] = f.name in headers ? `${headers[f.name]}, ${f.value}` : f.value;
    const stream = new H2ServerStream(this, b.id, headers, this.peerInitialWindow);
    this.streams.set(b.id, stream);
    this.onStream(stream);
    if (b.endStream) stream.endedRemotely();
  }

  private onDataFrame(flags: number, id: number, payload: Buffer): void {
    this.receivedSinceRefill += payload.length;
    if (this.receivedSinceRefill >= WINDOW_REFILL) {
      this.queueFrame(frame(T.WINDOW_UPDATE, 0, 0, u32(this.receivedSinceRefill)));
      this.receivedSinceRefill = 0;
    }
    const data = stripPadding(flags, payload);
    if (!data) {
      this.fail(E.PROTOCOL_ERROR);
      return;
    }
    const s = this.streams.get(id);
    if (!s || s.remoteEnded) return; // closed or reset: dropped (its bytes still count above)
    if (data.length > 0) s.onData(data);
    if (flags & F.END_STREAM) s.endedRemotely();
  }

  private applySettings(payload: Buffer): void {
    for (let off = 0; off + 6 <= payload.length; off += 6) {
      const key = payload.readUInt16BE(off);
      const value = payload.readUInt32BE(off + 2);
      if (key === S.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW) {
          this.fail(E.FLOW_CONTROL_ERROR);
          return;
        }
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const s of this.streams.values()) s.windowUpdate(delta);
      } else if (key === S.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME || value > 0xffffff) {
          this.fail(E.PROTOCOL_ERROR);
          return;
        }
        this.peerMaxFrame = value;
      }
      // HEADER_TABLE_SIZE concerns only an encoder that indexes; ours never does.
    }
  }
}
