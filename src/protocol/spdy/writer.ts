// Frames → bytes. Control frames are returned whole; a DATA frame is returned
// as its 8-byte header and the payload untouched (the caller writes both, so
// bulk data is never copied).
import { ControlType, FLAG_FIN, FLAG_SETTINGS_CLEAR, FLAG_UNIDIRECTIONAL, SPDY_VERSION, type Frame } from './frames.js';
import type { HeaderCompressor } from './zlib-headers.js';

/** Largest payload a frame's 24-bit length can describe. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export class FrameWriter {
  constructor(private readonly headers: HeaderCompressor) {}

  /** The frame's bytes as one or two buffers, to be written in order. */
  encode(frame: Frame): Buffer[] {
    switch (frame.type) {
      case 'data':
        return frame.data.length ? [dataHeader(frame.streamId, frame.fin, frame.data.length), frame.data] : [dataHeader(frame.streamId, frame.fin, 0)];
      case 'syn_stream': {
        const block = this.headers.compress(frame.headers);
        const p = Buffer.alloc(10);
        p.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
        p.writeUInt32BE(frame.associatedId & 0x7fffffff, 4);
        p[8] = (frame.priority & 0x7) << 5;
        const flags = (frame.fin ? FLAG_FIN : 0) | (frame.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
        return [control(ControlType.SYN_STREAM, flags, Buffer.concat([p, block]))];
      }
      case 'syn_reply':
        return [control(ControlType.SYN_REPLY, frame.fin ? FLAG_FIN : 0, Buffer.concat([u32(frame.streamId), this.headers.compress(frame.headers)]))];
      case 'headers':
        return [control(ControlType.HEADERS, frame.fin ? FLAG_FIN : 0, Buffer.concat([u32(frame.streamId), this.headers.compress(frame.headers)]))];
      case 'rst_stream':
        return [control(ControlType.RST_STREAM, 0, Buffer.concat([u32(frame.streamId), u32(frame.status)]))];
      case 'settings': {
        const p = Buffer.alloc(4 + frame.entries.length * 8);
        p.writeUInt32BE(frame.entries.length, 0);
        frame.entries.forEach((e, i) => {
          p.writeUInt32BE(((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0, 4 + i * 8);
          p.writeUInt32BE(e.value >>> 0, 8 + i * 8);
        });
        return [control(ControlType.SETTINGS, frame.clear ? FLAG_SETTINGS_CLEAR : 0, p)];
      }
      case 'ping':
        return [control(ControlType.PING, 0, u32(frame.id))];
      case 'goaway':
        return [control(ControlType.GOAWAY, 0, Buffer.concat([u32(frame.lastGoodStreamId), u32(frame.status)]))];
      case 'window_update':
        return [control(ControlType.WINDOW_UPDATE, 0, Buffer.concat([u32(frame.streamId), u32(frame.delta)]))];
      case 'unknown':
        return [control(frame.controlType, frame.flags, frame.payload)];
    }
  }
}

export function dataHeader(streamId: number, fin: boolean, length: number): Buffer {
  const h = Buffer.allocUnsafe(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE((((fin ? FLAG_FIN : 0) << 24) | length) >>> 0, 4);
  return h;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new RangeError(`SPDY control frame payload too large (${payload.length} bytes)`);
  const h = Buffer.allocUnsafe(8 + payload.length);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE((((flags & 0xff) << 24) | payload.length) >>> 0, 4);
  payload.copy(h, 8);
  return h;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
