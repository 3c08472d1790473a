// The CRI container log format, read side: `<RFC 3339 time> <stdout|stderr>
// <F|P> <content>` per line. P pieces are joined with the F piece that ends
// them, per stream, so a reader sees the lines the container wrote. Content
// stays bytes: a log may hold anything a process printed.

export type LogStream = 'stdout' | 'stderr';

export interface CriLogEntry {
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  /** UTC offset of the written timestamp, minutes (kept for --timestamps). */
  offsetMin: number;
  stream: LogStream;
  partial: boolean;
  content: Buffer;
}

/** One line of output: the pieces of a stream joined; `newline` false only for a piece left open at the end. */
export interface LogLine {
  timeNs: bigint;
  offsetMin: number;
  stream: LogStream;
  content: Buffer;
  newline: boolean;
}

const SPACE = 0x20;

/** Parses one log line (without its "\n"); undefined when it is not a CRI log line. */
export function parseCriLine(line: Buffer): CriLogEntry | undefined {
  const s1 = line.indexOf(SPACE);
  if (s1 <= 0) return undefined;
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.toString('latin1', s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // The tag may be followed by ":"-separated extras in future formats; only the first counts.
  let s3 = line.indexOf(SPACE, s2 + 1);
  const tagEnd = s3 < 0 ? line.length : s3;
  const tag = line.toString('latin1', s2 + 1, tagEnd).split(':')[0];
  if (tag !== 'F' && tag !== 'P') return undefined;
  const time = parseRfc3339(line.toString('latin1', 0, s1));
  if (!time) return undefined;
  if (s3 < 0) s3 = line.length - 1; // "... F" with nothing after: empty content
  return { timeNs: time.ns, offsetMin: time.offsetMin, stream, partial: tag === 'P', content: line.subarray(s3 + 1) };
}

/** Joins P pieces to the F piece that ends them, per stream. */
export class LineJoiner {
  private readonly pending = new Map<LogStream, { timeNs: bigint; offsetMin: number; parts: Buffer[] }>();

  /** The completed line, or undefined while a line is still open. */
  push(e: CriLogEntry): LogLine | undefined {
    const open = this.pending.get(e.stream);
    if (e.partial) {
      if (open) open.parts.push(e.content);
      else this.pending.set(e.stream, { timeNs: e.timeNs, offsetMin: e.offsetMin, parts: [e.content] });
      return undefined;
    }
    if (!open) return { timeNs: e.timeNs, offsetMin: e.offsetMin, stream: e.stream, content: e.content, newline: true };
    this.pending.delete(e.stream);
    return { timeNs: open.timeNs, offsetMin: open.offsetMin, stream: e.stream, content: Buffer.concat([...open.parts, e.content]), newline: true };
  }

  /** Lines still open (the log ended inside them), oldest first, without a newline. */
  flush(): LogLine[] {
    const out = [...this.pending.entries()].map(([stream, p]) => ({ timeNs: p.timeNs, offsetMin: p.offsetMin, stream, content: Buffer.concat(p.parts), newline: false }));
    this.pending.clear();
    return out.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
  }
}

/** RFC 3339 with any number of fraction digits; `Z` or `±hh:mm`. */
export function parseRfc3339(s: string): { ns: bigint; offsetMin: number } | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([Zz]|([+-])(\d\d):(\d\d))$/.exec(s);
  if (!m) return undefined;
  const offsetMin = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : 0;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (Number.isNaN(ms)) return undefined;
  const frac = BigInt(((m[7] ?? '') + '000000000').slice(0, 9));
  return { ns: (BigInt(ms) - BigInt(offsetMin) * 60_000n) * 1_000_000n + frac, offsetMin };
}

/** Go's time.RFC3339Nano in the given offset (trailing fraction zeros trimmed, "Z" for UTC), as the kubelet prints timestamps. */
export function formatRfc3339Nano(ns: bigint, offsetMin = 0): string {
  const local = ns + BigInt(offsetMin) * 60_000_000_000n;
  const secs = local / 1_000_000_000n - (local < 0n && local % 1_000_000_000n !== 0n ? 1n : 0n);
  const fracNs = local - secs * 1_000_000_000n;
  const frac = fracNs.toString().padStart(9, '0').replace(/0+$/, '');
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  const abs = Math.abs(offsetMin);
  const zone = offsetMin === 0 ? 'Z' : `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${base}${frac ? `.${frac}` : ''}${zone}`;
}
