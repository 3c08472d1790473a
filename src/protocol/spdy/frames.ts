// SPDY/3.1 frames as values: what the reader produces and the writer consumes.
// Only the subset Kubernetes streaming uses is interpreted; other control
// frames are carried as `unknown` and ignored by the connection.

export const SPDY_VERSION = 3;

/** Control frame type numbers (SPDY/3 §2.6). */
export const ControlType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  NOOP: 5,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
  CREDENTIAL: 10,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const FLAG_SETTINGS_CLEAR = 0x01;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/** Header names are lowercase; several values of one name are joined by NUL (as on the wire). */
export type SpdyHeaders = Record<string, string>;

export interface DataFrame {
  type: 'data';
  streamId: number;
  fin: boolean;
  data: Buffer;
}
export interface SynStreamFrame {
  type: 'syn_stream';
  streamId: number;
  associatedId: number;
  priority: number;
  fin: boolean;
  unidirectional: boolean;
  headers: SpdyHeaders;
}
export interface SynReplyFrame {
  type: 'syn_reply';
  streamId: number;
  fin: boolean;
  headers: SpdyHeaders;
}
export interface HeadersFrame {
  type: 'headers';
  streamId: number;
  fin: boolean;
  headers: SpdyHeaders;
}
export interface RstStreamFrame {
  type: 'rst_stream';
  streamId: number;
  status: number;
}
export interface SettingsFrame {
  type: 'settings';
  clear: boolean;
  entries: { id: number; flags: number; value: number }[];
}
export interface PingFrame {
  type: 'ping';
  id: number;
}
export interface GoAwayFrame {
  type: 'goaway';
  lastGoodStreamId: number;
  status: number;
}
export interface WindowUpdateFrame {
  type: 'window_update';
  streamId: number;
  delta: number;
}
/** NOOP, CREDENTIAL or a future type: skipped by the connection. */
export interface UnknownControlFrame {
  type: 'unknown';
  controlType: number;
  flags: number;
  payload: Buffer;
}

export type Frame =
  | DataFrame
  | SynStreamFrame
  | SynReplyFrame
  | HeadersFrame
  | RstStreamFrame
  | SettingsFrame
  | PingFrame
  | GoAwayFrame
  | WindowUpdateFrame
  | UnknownControlFrame;

/** A violation of the framing itself: the connection cannot continue. */
export class SpdyProtocolError extends Error {
  override name = 'SpdyProtocolError';
}

/** First value of a header (values of one name are NUL-separated). */
export function headerValue(headers: SpdyHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  const nul = v.indexOf('\0');
  return nul < 0 ? v : v.slice(0, nul);
}
