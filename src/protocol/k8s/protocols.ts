// Names Kubernetes streaming clients and servers agree on: SPDY
// X-Stream-Protocol-Version values, WebSocket subprotocols, stream types and
// headers. Shared by the streaming server and Berth's own client.

export const HEADER_PROTOCOL_VERSION = 'X-Stream-Protocol-Version';
export const HEADER_ACCEPTED_VERSIONS = 'X-Accepted-Stream-Protocol-Versions';

/** SPDY exec/attach protocol versions, newest first (the server's preference). */
export const SPDY_EXEC_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
export type SpdyExecProtocol = (typeof SPDY_EXEC_PROTOCOLS)[number];
export const SPDY_PORTFORWARD_PROTOCOLS = ['portforward.k8s.io'] as const;

/** The version number of an exec protocol: 1 for `channel.k8s.io`. */
export function execProtocolVersion(p: string): number {
  const m = /^v(\d+)\./.exec(p);
  return m ? Number(m[1]) : 1;
}

/** WebSocket exec/attach subprotocols. v4+ report a JSON Status; v5 adds the client half-close message. */
export const WS_EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'] as const;
/** WebSocket port-forward subprotocols, all with channel framing (binary, or base64 where named). */
export const WS_PORTFORWARD_PROTOCOLS = ['v4.portforward.k8s.io', 'portforward.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io'] as const;

export function isBase64Protocol(p: string): boolean {
  return p.includes('base64.');
}

/** Stream types (the `streamtype` header of SPDY streams). */
export const StreamType = {
  error: 'error',
  stdin: 'stdin',
  stdout: 'stdout',
  stderr: 'stderr',
  resize: 'resize',
  data: 'data',
} as const;

/** SPDY header names, lowercase as they travel. */
export const StreamHeader = { type: 'streamtype', port: 'port', requestId: 'requestid' } as const;

/** WebSocket channel numbers of exec/attach. */
export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 } as const;
/** v5: a client message [255, channel] closes (EOF) that channel. */
export const CHANNEL_CLOSE = 255;

/** The first of the client's protocols (in its order) that the server supports, as Kubernetes negotiates. */
export function negotiate(clientProtocols: readonly string[], serverProtocols: readonly string[]): string | undefined {
  return clientProtocols.find((p) => serverProtocols.includes(p));
}
