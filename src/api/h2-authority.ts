// Repairs the HTTP/2 :authority of old gRPC-Go clients (crictl 1.26, kubelets
// before ~2023), which send the unix socket path ("/run/berth/berth.sock") as
// :authority. Node's nghttp2 resets such streams with PROTOCOL_ERROR before
// any handler runs, so the fix has to happen on the byte stream, before
// grpc-js's HTTP/2 session sees it.
//
// Client→server: the preface and every frame pass through unchanged, except
// header blocks (HEADERS + CONTINUATION…). Each block is HPACK-decoded with a
// decoder that tracks the client's dynamic table. A block whose :authority is
// invalid is re-encoded with :authority "localhost" as literals that never
// touch the server's dynamic table. From then on the server's table no longer
// matches the client's, so every later block on that connection is re-encoded
// too. Server→client passes through untouched.
//
// Anything unparsable switches the connection to plain pass-through: nghttp2
// then decides, and the daemon never crashes on a client's bytes.
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { encodeWithoutIndexing, HpackDecoder, type HeaderField } from './hpack.js';

export const CONNECTION_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FRAME_HEADER_SIZE = 9;
export const FRAME_DATA = 0x0;
export const FRAME_HEADERS = 0x1;
export const FRAME_CONTINUATION = 0x9;
export const FLAG_END_STREAM = 0x1;
export const FLAG_END_HEADERS = 0x4;
export const FLAG_PADDED = 0x8;
export const FLAG_PRIORITY = 0x20;

/** Every HTTP/2 peer accepts frames this large (SETTINGS_MAX_FRAME_SIZE minimum). */
const MAX_FRAME_PAYLOAD = 16384;
/** A header block held longer than this is given up on (passed through as is). */
const MAX_HELD_BLOCK = 1 << 20;
/** The authority that replaces an invalid one. */
export const REPLACEMENT_AUTHORITY = 'localhost';

/**
 * Characters RFC 3986 allows in an authority (what nghttp2 checks):
 * unreserved, sub-delims, ':', '@', '[', ']', and '%' for pct-encoding.
 */
const AUTHORITY_RE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@[\]%]*$/;

export function isValidAuthority(value: string): boolean {
  return AUTHORITY_RE.test(value);
}

export interface RepairOptions {
  /** Called once per connection, on its first rewritten header block. */
  onRewrite?: (authority: string) => void;
}

const enum State {
  Preface,
  FrameHeader,
  Payload,
  Pass,
}

/**
 * The client→server byte-stream transform, free of I/O: feed chunks in order,
 * write out what comes back, in order.
 */
export class AuthorityRewriter {
  private state = State.Preface;
  private prefaceSeen = 0;
  private readonly scratch = Buffer.alloc(FRAME_HEADER_SIZE);
  private scratchFill = 0;
  private readonly decoder = new HpackDecoder({ tableSize: 4096, maxTableSize: 1 << 16 });
  /** Once a block was rewritten, all later ones are, to keep the server's table empty. */
  private rewriting = false;

  // The frame being read
  private frameType = 0;
  private frameFlags = 0;
  private frameLength = 0;
  private remaining = 0;
  private holding = false; // is the frame part of a header block?
  private payloadParts: Buffer[] = [];

  // The header block being collected
  private inBlock = false;
  private blockStream = 0;
  private blockFlags = 0; // END_STREAM / PRIORITY of its HEADERS frame
  private blockPriority: Buffer | undefined;
  private blockFragments: Buffer[] = [];
  private held: Buffer[] = []; // the block's frames, byte for byte
  private heldBytes = 0;

  private out: Buffer[] = [];
  private rewrites = 0;

  constructor(private readonly opts: RepairOptions = {}) {}

  /** Number of header blocks rewritten so far. */
  get rewrittenBlocks(): number {
    return this.rewrites;
  }

  /** True once the stream is passed through unparsed. */
  get passingThrough(): boolean {
    return this.state === State.Pass;
  }

  push(chunk: Buffer): Buffer[] {
    this.out = [];
    let pos = 0;
    while (pos < chunk.length) pos = this.step(chunk, pos);
    return this.out;
  }

  /** End of input: whatever is held (a truncated frame) goes out unchanged. */
  end(): Buffer[] {
    this.out = [];
    if (this.state === State.FrameHeader && this.scratchFill > 0) {
      this.emit(Buffer.from(this.scratch.subarray(0, this.scratchFill)));
    }
    this.releaseHeld();
    this.state = State.Pass;
    return this.out;
  }

  private step(chunk: Buffer, pos: number): number {
    switch (this.state) {
      case State.Pass:
        this.emit(chunk.subarray(pos));
        return chunk.length;
      case State.Preface:
        return this.readPreface(chunk, pos);
      case State.FrameHeader:
        return this.readFrameHeader(chunk, pos);
      case State.Payload:
        return this.readPayload(chunk, pos);
    }
  }

  private readPreface(chunk: Buffer, pos: number): number {
    const n = Math.min(CONNECTION_PREFACE.length - this.prefaceSeen, chunk.length - pos);
    const part = chunk.subarray(pos, pos + n);
    if (!part.equals(CONNECTION_PREFACE.subarray(this.prefaceSeen, this.prefaceSeen + n))) {
      this.state = State.Pass; // not HTTP/2 with prior knowledge: not ours to judge
      return pos;
    }
    this.emit(part);
    this.prefaceSeen += n;
    if (this.prefaceSeen === CONNECTION_PREFACE.length) this.state = State.FrameHeader;
    return pos + n;
  }

  private readFrameHeader(chunk: Buffer, pos: number): number {
    if (this.scratchFill === 0 && chunk.length - pos >= FRAME_HEADER_SIZE) {
      this.startFrame(chunk.subarray(pos, pos + FRAME_HEADER_SIZE));
      return pos + FRAME_HEADER_SIZE;
    }
    // The header straddles chunks: gather it in the scratch buffer.
    const n = Math.min(FRAME_HEADER_SIZE - this.scratchFill, chunk.length - pos);
    chunk.copy(this.scratch, this.scratchFill, pos, pos + n);
    this.scratchFill += n;
    if (this.scratchFill === FRAME_HEADER_SIZE) {
      this.scratchFill = 0;
      this.startFrame(Buffer.from(this.scratch));
    }
    return pos + n;
  }

  private startFrame(header: Buffer): void {
    const length = header.readUIntBE(0, 3);
    const type = header[3]!;
    const flags = header[4]!;
    const stream = header.readUInt32BE(5) & 0x7fffffff;
    this.frameType = type;
    this.frameFlags = flags;
    this.frameLength = length;
    this.remaining = length;
    this.payloadParts = [];

    if (this.inBlock && (type !== FRAME_CONTINUATION || stream !== this.blockStream)) {
      // A header block interrupted: a protocol error for nghttp2 to report.
      this.giveUp(header);
      return;
    }
    this.holding = this.inBlock || type === FRAME_HEADERS;
    if (!this.holding) {
      this.emit(header);
    } else {
      if (this.heldBytes + FRAME_HEADER_SIZE + length > MAX_HELD_BLOCK) {
        this.giveUp(header);
        return;
      }
      if (!this.inBlock) this.beginBlock(stream);
      this.hold(header);
    }
    this.state = State.Payload;
    if (length === 0) this.endFrame();
  }

  private readPayload(chunk: Buffer, pos: number): number {
    const n = Math.min(this.remaining, chunk.length - pos);
    const part = chunk.subarray(pos, pos + n);
    this.remaining -= n;
    if (this.holding) {
      this.hold(part);
      this.payloadParts.push(part);
    } else {
      this.emit(part);
    }
    if (this.remaining === 0) this.endFrame();
    return pos + n;
  }

  private endFrame(): void {
    this.state = State.FrameHeader;
    if (!this.holding) return;
    const payload = this.payloadParts.length === 1 ? this.payloadParts[0]! : Buffer.concat(this.payloadParts);
    this.payloadParts = [];
    const fragment = this.frameType === FRAME_HEADERS ? this.headersFragment(payload) : payload;
    if (!fragment) {
      this.giveUp();
      return;
    }
    this.blockFragments.push(fragment);
    if (this.frameFlags & FLAG_END_HEADERS) this.finishBlock();
  }

  /** The header block fragment of a HEADERS payload, without padding; undefined if malformed. */
  private headersFragment(payload: Buffer): Buffer | undefined {
    let start = 0;
    let end = payload.length;
    if (this.frameFlags & FLAG_PADDED) {
      if (payload.length < 1) return undefined;
      end -= payload[0]!;
      start = 1;
    }
    if (this.frameFlags & FLAG_PRIORITY) {
      if (end - start < 5) return undefined;
      this.blockPriority = payload.subarray(start, start + 5);
      start += 5;
    }
    if (end < start) return undefined;
    this.blockFlags = this.frameFlags & (FLAG_END_STREAM | FLAG_PRIORITY);
    return payload.subarray(start, end);
  }

  private beginBlock(stream: number): void {
    this.inBlock = true;
    this.blockStream = stream;
    this.blockFlags = 0;
    this.blockPriority = undefined;
    this.blockFragments = [];
  }

  private finishBlock(): void {
    this.inBlock = false;
    const block = this.blockFragments.length === 1 ? this.blockFragments[0]! : Buffer.concat(this.blockFragments);
    this.blockFragments = [];
    let fields: HeaderField[];
    try {
      fields = this.decoder.decode(block);
    } catch {
      this.giveUp(); // our decoder's view is lost; nghttp2 will judge the bytes
      return;
    }
    const bad = fields.find((f) => f.name === ':authority' && !isValidAuthority(f.value));
    if (!bad && !this.rewriting) {
      this.releaseHeld();
      return;
    }
    if (bad && !this.rewriting) this.opts.onRewrite?.(bad.value);
    this.rewriting = true;
    this.rewrites++;
    this.dropHeld();
    const repaired = fields.map((f) => (f.name === ':authority' && !isValidAuthority(f.value) ? { ...f, value: REPLACEMENT_AUTHORITY } : f));
    for (const f of headerFrames(this.blockStream, this.blockFlags, this.blockPriority, encodeWithoutIndexing(repaired))) this.emit(f);
  }

  /** Stops parsing: held bytes and `pending` go out unchanged, and so does everything after. */
  private giveUp(pending?: Buffer): void {
    this.releaseHeld();
    if (pending) this.emit(pending);
    this.inBlock = false;
    this.payloadParts = [];
    this.state = State.Pass;
  }

  private hold(b: Buffer): void {
    this.held.push(b);
    this.heldBytes += b.length;
  }

  private releaseHeld(): void {
    for (const b of this.held) this.emit(b);
    this.dropHeld();
  }

  private dropHeld(): void {
    this.held = [];
    this.heldBytes = 0;
  }

  /** Queues output, merging slices that are adjacent in memory (usually one chunk in, the same chunk out). */
  private emit(b: Buffer): void {
    if (b.length === 0) return;
    const last = this.out[this.out.length - 1];
    if (last && last.buffer === b.buffer && last.byteOffset + last.length === b.byteOffset) {
      this.out[this.out.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + b.length);
    } else {
      this.out.push(b);
    }
  }
}

/** A header block as one HEADERS frame, or HEADERS + CONTINUATION frames if it is large. */
export function headerFrames(stream: number, flags: number, priority: Buffer | undefined, block: Buffer): Buffer[] {
  const prefix = priority && flags & FLAG_PRIORITY ? priority : Buffer.alloc(0);
  const firstRoom = MAX_FRAME_PAYLOAD - prefix.length;
  const frames: Buffer[] = [];
  let pos = Math.min(block.length, firstRoom);
  const headersFlags = (flags & (FLAG_END_STREAM | FLAG_PRIORITY)) | (pos === block.length ? FLAG_END_HEADERS : 0);
  frames.push(frame(FRAME_HEADERS, headersFlags, stream, Buffer.concat([prefix, block.subarray(0, pos)])));
  while (pos < block.length) {
    const end = Math.min(block.length, pos + MAX_FRAME_PAYLOAD);
    frames.push(frame(FRAME_CONTINUATION, end === block.length ? FLAG_END_HEADERS : 0, stream, block.subarray(pos, end)));
    pos = end;
  }
  return frames;
}

export function frame(type: number, flags: number, stream: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_SIZE);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

/**
 * Wraps an accepted connection for grpc-js's connection injector: reads go
 * through an AuthorityRewriter, writes go to the socket as they are.
 */
export function repairAuthority(socket: Socket, opts: RepairOptions = {}): Duplex {
  const rewriter = new AuthorityRewriter(opts);
  const whenDrained = (cb: (err?: Error | null) => void, ok: boolean): void => {
    if (ok) cb();
    else socket.once('drain', () => cb());
  };
  const duplex = new Duplex({
    allowHalfOpen: socket.allowHalfOpen,
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, cb) {
      whenDrained(cb, socket.write(chunk));
    },
    writev(chunks: { chunk: Buffer }[], cb) {
      socket.cork();
      let ok = true;
      for (const { chunk } of chunks) ok = socket.write(chunk);
      socket.uncork();
      whenDrained(cb, ok);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });

  const forward = (outs: Buffer[]): void => {
    let more = true;
    for (const b of outs) more = duplex.push(b);
    if (!more) socket.pause();
  };
  socket.on('data', (chunk: Buffer) => {
    try {
      forward(rewriter.push(chunk));
    } catch (e) {
      // A bug here must cost one connection, never the daemon.
      duplex.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  });
  socket.on('end', () => {
    try {
      forward(rewriter.end());
    } catch {
      // nothing held is worth more than ending cleanly
    }
    duplex.push(null);
  });
  socket.on('error', (err) => duplex.destroy(err));
  socket.on('close', () => {
    if (!duplex.destroyed) duplex.destroy();
  });
  return duplex;
}
