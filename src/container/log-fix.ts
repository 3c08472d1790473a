// conmon 2.1.6 ends a stream that stopped without a newline with a `P` piece
// and never writes the closing `F` (fixed in later conmon). Readers such as
// the kubelet then see an unterminated line. After the container exits we
// close it the way newer conmon does: an empty `F` line on the same stream.
import { open } from 'node:fs/promises';

/** Pure: the line to append, or undefined when the log ends cleanly. */
export function closingLine(tail: string, timestamp: string): string | undefined {
  const lines = tail.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const last = lines[lines.length - 1];
  if (!last) return undefined;
  const m = /^\S+ (stdout|stderr) P /.exec(last) ?? /^\S+ (stdout|stderr) P$/.exec(last);
  if (!m) return undefined;
  return `${timestamp} ${m[1]} F \n`;
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
    const line = closingLine(buf.toString('utf8'), logTimestamp());
    if (!line) return false;
    await fh.write(line, size);
    return true;
  } finally {
    await fh.close();
  }
}
