// The streaming server: HTTP on [streaming] address:port with
// /exec/{token}, /attach/{token} and /portforward/{token} (GET or POST),
// upgraded to SPDY/3.1 or WebSocket. The CRI handlers call prepare*() to
// cache a validated request under a single-use token and hand out the
// absolute URL; the client then connects here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AttachRequest, ExecRequest, PortForwardRequest } from '../api/gen/api.js';
import type { BerthConfig } from '../config/schema.js';
import {
  negotiate,
  SPDY_EXEC_PROTOCOLS,
  SPDY_PORTFORWARD_PROTOCOLS,
  WS_EXEC_PROTOCOLS,
  WS_PORTFORWARD_PROTOCOLS,
} from '../protocol/k8s/protocols.js';
import { SpdyConnection } from '../protocol/spdy/connection.js';
import { parseDuration } from '../util/duration.js';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import type { StreamBackend } from './backend.js';
import { writeRawResponse } from './http-response.js';
import {
  validateAttachRequest,
  validateExecRequest,
  validatePortForwardRequest,
  type CachedRequest,
  type StreamKind,
} from './requests.js';
import { serveSpdyExec, type SpdySessionOptions } from './spdy/exec.js';
import { acceptSpdyUpgrade, isSpdyUpgrade } from './spdy/negotiate.js';
import { serveSpdyPortForward } from './spdy/portforward.js';
import { TokenCache, type Clock } from './tokens.js';
import { serveWsExec } from './ws/exec.js';
import { serveWsPortForward } from './ws/portforward.js';

export interface StreamingServerOptions {
  log?: Logger;
  /** Token clock (tests inject one to expire tokens). */
  clock?: Clock;
  tokenTtlMs?: number;
  maxTokens?: number;
  /** How long a client may take to open its streams (default 30 s). */
  streamCreationTimeoutMs?: number;
}

export interface StreamingServer {
  /** http://host:port, with the port actually bound. */
  readonly baseUrl: string;
  prepareExec(req: ExecRequest): { url: string };
  prepareAttach(req: AttachRequest): { url: string };
  preparePortForward(req: PortForwardRequest): { url: string };
  close(): Promise<void>;
}

type StreamingConfig = Pick<BerthConfig, 'streaming'>;

export async function createStreamingServer(config: StreamingConfig, backend: StreamBackend, opts: StreamingServerOptions = {}): Promise<StreamingServer> {
  const log = (opts.log ?? silentLogger).child({ component: 'stream' });
  const idleTimeoutMs = parseDuration(config.streaming.idle_timeout) ?? 4 * 3_600_000;
  const session: SpdySessionOptions = { streamCreationTimeoutMs: opts.streamCreationTimeoutMs ?? 30_000, log };
  const tokens = new TokenCache<CachedRequest>({
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.tokenTtlMs !== undefined ? { ttlMs: opts.tokenTtlMs } : {}),
    ...(opts.maxTokens !== undefined ? { maxInFlight: opts.maxTokens } : {}),
  });
  // The subprotocol is negotiated before handing the socket to ws (a refusal must be a 403).
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (_offered, req) => chosenProtocol.get(req) ?? false });
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => onPlainRequest(req, res));
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      onUpgrade(req, socket, head);
    } catch (e) {
      log.error('streaming request failed', { url: req.url, error: errorMessage(e) });
      writeRawResponse(socket, 500, {}, errorMessage(e));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.streaming.port, config.streaming.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as { address: string; port: number };
  const baseUrl = `http://${urlHost(bound.address)}:${bound.port}`;
  log.info('streaming server listening', { url: baseUrl });

  /** Finds the route and consumes its token; or answers the error and returns undefined. */
  function claim(req: IncomingMessage, reply: (status: number, body: string) => void): CachedRequest | undefined {
    const route = parseRoute(req.url ?? '');
    if (!route) {
      reply(404, 'not found');
      return undefined;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      reply(405, `method ${req.method ?? ''} not allowed`);
      return undefined;
    }
    const cached = tokens.consume(route.token);
    if (!cached) {
      reply(404, 'unknown, used or expired token');
      return undefined;
    }
    if (cached.kind !== route.kind) {
      reply(400, `token is for ${cached.kind}, not ${route.kind}`);
      return undefined;
    }
    return cached;
  }

  function onPlainRequest(req: IncomingMessage, res: ServerResponse): void {
    const reply = (status: number, body: string): void => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${body}\n`);
    };
    if (!claim(req, reply)) return;
    reply(400, 'unable to upgrade: missing upgrade headers in request (Connection: Upgrade with Upgrade: SPDY/3.1 or websocket)');
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const cached = claim(req, (status, body) => writeRawResponse(socket, status, {}, body));
    if (!cached) return;
    if ((req.headers.upgrade ?? '').toLowerCase() === 'websocket') {
      upgradeWebSocket(req, socket, head, cached);
      return;
    }
    if (!isSpdyUpgrade(req)) {
      writeRawResponse(socket, 400, {}, `unable to upgrade: unsupported upgrade "${req.headers.upgrade ?? ''}"`);
      return;
    }
    const protocols = cached.kind === 'portforward' ? SPDY_PORTFORWARD_PROTOCOLS : SPDY_EXEC_PROTOCOLS;
    const protocol = acceptSpdyUpgrade(req, socket, protocols);
    if (!protocol) return;
    if ('setNoDelay' in socket) (socket as Socket).setNoDelay(true);
    const conn = new SpdyConnection(socket, { role: 'server', idleTimeoutMs, head });
    log.debug('spdy session', { kind: cached.kind, protocol });
    if (cached.kind === 'portforward') serveSpdyPortForward(conn, cached.req, backend, session);
    else void serveSpdyExec(conn, protocol, cached, backend, session).catch((e: unknown) => log.error('exec session failed', { error: errorMessage(e) }));
  }

  function upgradeWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, cached: CachedRequest): void {
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const supported: readonly string[] = cached.kind === 'portforward' ? WS_PORTFORWARD_PROTOCOLS : WS_EXEC_PROTOCOLS;
    const chosen = offered.length ? negotiate(offered, supported) : undefined;
    if (offered.length && !chosen) {
      writeRawResponse(socket, 403, {}, `unable to upgrade: none of the WebSocket protocols [${offered.join(' ')}] is supported; server accepts [${supported.join(' ')}]`);
      return;
    }
    // Without a subprotocol Kubernetes speaks the original binary channel protocol.
    const protocol = chosen ?? 'channel.k8s.io';
    let ports: number[] = [];
    if (cached.kind === 'portforward') {
      ports = cached.req.port.length ? cached.req.port : queryPorts(req.url ?? '');
      if (ports.length === 0 || ports.some((p) => !(p >= 1 && p <= 65535))) {
        writeRawResponse(socket, 400, {}, 'port-forward over WebSocket needs ports (query parameter port=N, 1-65535)');
        return;
      }
    }
    if (chosen) chosenProtocol.set(req, chosen);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      if ('setNoDelay' in socket) (socket as Socket).setNoDelay(true);
      log.debug('websocket session', { kind: cached.kind, protocol });
      const fail = (e: unknown): void => log.error('websocket session failed', { error: errorMessage(e) });
      if (cached.kind !== 'portforward') void serveWsExec(ws, protocol, cached, backend, idleTimeoutMs).catch(fail);
      else void serveWsPortForward(ws, protocol, cached.req.podSandboxId, ports, backend, idleTimeoutMs).catch(fail);
    });
  }

  return {
    baseUrl,
    prepareExec(req) {
      validateExecRequest(req);
      return { url: `${baseUrl}/exec/${tokens.insert({ kind: 'exec', req })}` };
    },
    prepareAttach(req) {
      validateAttachRequest(req);
      return { url: `${baseUrl}/attach/${tokens.insert({ kind: 'attach', req })}` };
    },
    preparePortForward(req) {
      validatePortForwardRequest(req);
      return { url: `${baseUrl}/portforward/${tokens.insert({ kind: 'portforward', req })}` };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        for (const c of wss.clients) c.terminate();
      }),
  };
}

function parseRoute(url: string): { kind: StreamKind; token: string } | undefined {
  const m = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]+)\/?(?:\?.*)?$/.exec(url);
  return m ? { kind: m[1] as StreamKind, token: m[2] as string } : undefined;
}

function queryPorts(url: string): number[] {
  const q = new URL(url, 'http://x').searchParams;
  return q.getAll('port').flatMap((p) => p.split(',')).map((p) => (/^\d{1,5}$/.test(p.trim()) ? Number(p.trim()) : NaN));
}

/** A URL host for the bound address: wildcards become loopback (clients need a host to dial). */
function urlHost(address: string): string {
  if (address === '0.0.0.0' || address === '') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}
