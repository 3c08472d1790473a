// `--since` values as crictl (docker's GetTimestamp) reads them: a Go
// duration back from now ("42m", "1h30m"), an RFC 3339-like time with
// optional parts and zone (no zone = local time), or Unix seconds.
import { parseDuration } from '../../util/duration.js';

/** Nanoseconds since the epoch; throws on text that is none of the accepted forms. */
export function parseSince(value: string, nowMs = Date.now()): bigint {
  const d = value !== '0' ? parseDuration(value) : undefined;
  // docker truncates "now − d" to whole seconds.
  if (d !== undefined) return BigInt(Math.floor((nowMs - d) / 1000)) * 1_000_000_000n;
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[Tt](\d\d)(?::(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?)?([Zz]|([+-])(\d\d):(\d\d))?$/.exec(value);
  if (m) {
    const [y, mo, day, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
    let ms: number;
    if (m[8] === undefined) ms = new Date(y, mo - 1, day, h, mi, s).getTime();
    else {
      const off = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : 0;
      ms = Date.UTC(y, mo - 1, day, h, mi, s) - off * 60_000;
    }
    if (Number.isNaN(ms) || mo < 1 || mo > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) throw new Error(`invalid --since time "${value}"`);
    return BigInt(ms) * 1_000_000n + BigInt(((m[7] ?? '') + '000000000').slice(0, 9));
  }
  const u = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (u) return BigInt(u[1] as string) * 1_000_000_000n + BigInt(((u[2] ?? '') + '000000000').slice(0, 9));
  throw new Error(`failed to parse --since value as time or duration: "${value}" (use e.g. 10m, 2h, 2024-01-02T13:23:37Z or Unix seconds)`);
}
