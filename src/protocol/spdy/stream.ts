// One SPDY stream as a Node Duplex: writes become DATA frames, end() sends
// FIN (half-close), incoming DATA is pushed to the readable side and FIN ends
// it. A stream reset by the peer (RST_STREAM) is destroyed without an error;
// `resetStatus` says why. Destroying a stream before both sides finished
// sends RST_STREAM CANCEL.
import { Duplex } from 'node:stream';
import { RstStatus, type SpdyHeaders } from './frames.js';

/** What a stream needs from its connection (kept narrow so the two files stay decoupled). */
export interface StreamHost {
  /** Writes a DATA frame; false when the socket asks to wait for 'drain'. */
  sendData(streamId: number, data: Buffer, fin: boolean): boolean;
  sendReply(streamId: number, headers: SpdyHeaders): void;
  sendReset(streamId: number, status: number): void;
  waitDrain(resume: () => void): void;
  /** The stream's reader fell behind: stop reading the socket until it catches up. */
  congested(stream: SpdyStream): void;
  relieved(stream: SpdyStream): void;
  forget(stream: SpdyStream): void;
}

/** Payload bytes per DATA frame we send: big enough for throughput, small enough to interleave streams. */
const MAX_DATA_FRAME = 128 * 1024;

export class SpdyStream extends Duplex {
  /** Reply headers for streams we opened; empty until SYN_REPLY. */
  replyHeaders: SpdyHeaders = {};
  /** RST_STREAM status the peer sent, when it reset the stream. */
  resetStatus: number | undefined;
  private replied: boolean;
  private localFin = false;
  private remoteFin = false;

  constructor(
    private readonly host: StreamHost,
    readonly id: number,
    /** SYN_STREAM headers (ours or the peer's). */
    readonly headers: SpdyHeaders,
    opts: { local: boolean; readableHighWaterMark: number },
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: opts.readableHighWaterMark, decodeStrings: true });
    // A stream we open needs no SYN_REPLY from us; one the peer opens does.
    this.replied = opts.local;
  }

  /** The first value of a SYN_STREAM header. */
  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return v === undefined ? undefined : (v.split('\0')[0] as string);
  }

  /** Accepts a peer-opened stream (SYN_REPLY). Writing replies implicitly. */
  reply(headers: SpdyHeaders = {}): void {
    if (this.replied || this.destroyed) return;
    this.replied = true;
    this.host.sendReply(this.id, headers);
  }

  /** Aborts the stream both ways (RST_STREAM). */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.destroyed) return;
    this.host.sendReset(this.id, status);
    this.localFin = this.remoteFin = true; // nothing more to send or say
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.reply();
    let ok = true;
    for (let off = 0; off < chunk.length; off += MAX_DATA_FRAME) {
      ok = this.host.sendData(this.id, chunk.subarray(off, Math.min(chunk.length, off + MAX_DATA_FRAME)), false);
    }
    if (ok) cb();
    else this.host.waitDrain(() => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.reply();
    this.localFin = true;
    this.host.sendData(this.id, Buffer.alloc(0), true);
    cb();
  }

  override _read(): void {
    this.host.relieved(this);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!(this.localFin && this.remoteFin)) this.host.sendReset(this.id, RstStatus.CANCEL);
    this.host.forget(this);
    cb(err);
  }

  // ---- called by the connection ----

  /** @internal DATA from the peer. */
  onData(data: Buffer, fin: boolean): void {
    if (this.remoteFin || this.destroyed) return;
    if (data.length && !this.push(data)) this.host.congested(this);
    if (fin) this.onRemoteFin();
  }

  /** @internal FIN without data (SYN_STREAM/SYN_REPLY/HEADERS with FIN). */
  onRemoteFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.push(null);
  }

  /** @internal SYN_REPLY for a stream we opened. */
  onReply(headers: SpdyHeaders): void {
    this.replyHeaders = headers;
    this.emit('reply', headers);
  }

  /** @internal RST_STREAM from the peer, or the connection going away. */
  onReset(status: number): void {
    if (this.destroyed) return;
    this.resetStatus = status;
    this.localFin = this.remoteFin = true; // the peer already knows; do not answer with RST
    this.destroy();
  }
}
