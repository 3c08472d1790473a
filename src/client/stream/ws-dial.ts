// Client side of the WebSocket upgrade with Kubernetes subprotocols.
import { WebSocket } from 'ws';
import { UpgradeError } from './spdy-dial.js';

/**
 * Connects and, in the same tick as 'open', runs `attach` (so no message can
 * arrive before the caller listens: a fast server sends its first messages
 * right behind the handshake).
 */
export function dialWebSocket<T = undefined>(
  url: string,
  protocols: readonly string[],
  attach?: (ws: WebSocket, protocol: string) => T,
  timeoutMs = 30_000,
): Promise<{ ws: WebSocket; protocol: string; attached: T }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), [...protocols], { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    // ws sets TCP_NODELAY on the socket itself.
    ws.once('open', () => {
      const attached = (attach ? attach(ws, ws.protocol) : undefined) as T;
      resolve({ ws, protocol: ws.protocol, attached });
    });
    ws.once('unexpected-response', (_req, res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => reject(new UpgradeError(res.statusCode ?? 0, Buffer.concat(parts).toString('utf8'), res.headers)));
    });
    ws.once('error', reject);
  });
}
