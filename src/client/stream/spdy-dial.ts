// Client side of the SPDY/3.1 upgrade: POST with Connection: Upgrade,
// Upgrade: SPDY/3.1 and our X-Stream-Protocol-Version list; a 101 hands us
// the socket, on which we run a client SpdyConnection.
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { HEADER_PROTOCOL_VERSION } from '../../protocol/k8s/protocols.js';
import { SpdyConnection } from '../../protocol/spdy/connection.js';

export interface SpdyDialResult {
  conn: SpdyConnection;
  /** The version the server chose. */
  protocol: string;
}

/** A refused upgrade: the server's status and body (403 carries the accepted versions). */
export class UpgradeError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Record<string, string | string[] | undefined>,
  ) {
    super(`streaming server refused the upgrade: HTTP ${status}: ${body.trim()}`);
  }
}

export function dialSpdy(url: string, protocols: readonly string[], timeoutMs = 30_000): Promise<SpdyDialResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'SPDY/3.1',
        ...(protocols.length ? { [HEADER_PROTOCOL_VERSION]: [...protocols] } : {}),
      },
      timeout: timeoutMs,
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      const chosen = res.headers[HEADER_PROTOCOL_VERSION.toLowerCase()];
      const protocol = Array.isArray(chosen) ? chosen[0] : chosen;
      if ((res.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1' || !protocol || !protocols.includes(protocol)) {
        socket.destroy();
        reject(new Error(`streaming server answered the upgrade without SPDY/3.1 or with an unoffered protocol "${protocol ?? ''}"`));
        return;
      }
      socket.setNoDelay(true);
      socket.setTimeout(0);
      resolve({ conn: new SpdyConnection(socket, { role: 'client', head }), protocol });
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => reject(new UpgradeError(res.statusCode ?? 0, Buffer.concat(parts).toString('utf8'), res.headers)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
