// The HTTP/1.1 side of a SPDY upgrade: check the request, negotiate
// X-Stream-Protocol-Version, and write the 101 (or the refusal) on the raw socket.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { HEADER_ACCEPTED_VERSIONS, HEADER_PROTOCOL_VERSION, negotiate } from '../../protocol/k8s/protocols.js';
import { writeRawResponse } from '../http-response.js';

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1' && /\bupgrade\b/i.test(req.headers.connection ?? '');
}

/** The client's protocol versions, each header line and comma-separated list item in order. */
export function clientProtocols(req: IncomingMessage): string[] {
  const lines = req.headersDistinct[HEADER_PROTOCOL_VERSION.toLowerCase()] ?? [];
  return lines.flatMap((l) => l.split(',')).map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * Answers the upgrade: 101 with the chosen version and returns it; or 400
 * (no version header) / 403 (no common version) and returns undefined.
 */
export function acceptSpdyUpgrade(req: IncomingMessage, socket: Duplex, serverProtocols: readonly string[]): string | undefined {
  const offered = clientProtocols(req);
  if (offered.length === 0) {
    writeRawResponse(socket, 400, {}, `unable to upgrade: ${HEADER_PROTOCOL_VERSION} is required`);
    return undefined;
  }
  const chosen = negotiate(offered, serverProtocols);
  if (!chosen) {
    writeRawResponse(
      socket,
      403,
      { [HEADER_ACCEPTED_VERSIONS]: [...serverProtocols] },
      `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${serverProtocols.join(' ')}]`,
    );
    return undefined;
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${HEADER_PROTOCOL_VERSION}: ${chosen}\r\n\r\n`,
  );
  return chosen;
}
