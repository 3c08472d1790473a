// Plain HTTP responses written on a raw socket (upgrade requests have no
// ServerResponse), then the socket is closed.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export function writeRawResponse(socket: Duplex, status: number, headers: Record<string, string | string[]>, body: string): void {
  if (socket.destroyed) return;
  const text = `${body}\n`;
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(text)}`, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}
