// Kubernetes' WebSocket channel framing: every message starts with its
// channel — one byte in binary protocols, an ASCII digit followed by base64
// in the base64 ones. Port-forward channels open with the port as two bytes,
// little-endian. v5's close message is the binary [255, channel].
import { CHANNEL_CLOSE } from './protocols.js';

export type ChannelMessage = { kind: 'data'; channel: number; data: Buffer } | { kind: 'close'; channel: number };

export function encodeChannelMessage(channel: number, data: Buffer, base64: boolean): Buffer | string {
  if (base64) return String.fromCharCode(48 + channel) + data.toString('base64');
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}

export function encodeChannelClose(channel: number): Buffer {
  return Buffer.from([CHANNEL_CLOSE, channel]);
}

/** Decodes one WebSocket message; undefined for an empty one (ignored, as Kubernetes does). */
export function decodeChannelMessage(message: Buffer, isBinary: boolean, base64: boolean): ChannelMessage | undefined {
  if (message.length === 0) return undefined;
  if (base64 && !isBinary) {
    const channel = (message[0] as number) - 48;
    return { kind: 'data', channel, data: Buffer.from(message.toString('latin1', 1), 'base64') };
  }
  if (message[0] === CHANNEL_CLOSE && message.length === 2) return { kind: 'close', channel: message[1] as number };
  return { kind: 'data', channel: message[0] as number, data: message.subarray(1) };
}

export function encodePortPrefix(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
}
