// conmon 2.1.6 ends a stream that stopped without a newline with a `P` piece
// and never writes the closing `F` (fixed in later conmon). Readers such as
// the kubelet then see an unterminated line. After the container exits we
// close it the way newer conmon does: an empty `F` line on the same stream.
import { open } from 'node:fs/promises';

/** Pure: the lines to append (one per stream whose last piece is a P), or "" when the log ends cleanly. */
export function closingLines(tail: string, timestamp: string): string {
  const lastTag = new Map<string, string>();
  for (const line of tail.split('\n')) {
    const m = /^\S+ (stdout|stderr) ([FP])( |$)/.exec(line);
    if (m) lastTag.set(m[1] as string, m[2] as string);
  }
  let out = '';
  for (const stream of ['stdout', 'stderr']) if (lastTag.get(stream) === 'P') out += `${timestamp} ${stream} F \n`;
  return out;
}

/** RFC 3339 with nanoseconds, as CRI logs use. */
export function logTimestamp(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}000000Z`);
}

export async function terminatePartialLine(logPath: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(logPath, 'r+');
  } catch {
    return false; // no log file (rotated away or never written)
  }
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const lines = closingLines(buf.toString('utf8'), logTimestamp());
    if (!lines) return false;
    await fh.write(lines, size);
    return true;
  } finally {
    await fh.close();
  }
}
