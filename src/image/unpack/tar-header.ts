// The parts of the tar format the layer guard needs, decoded exactly as GNU
// tar decodes them (so what we check is what tar will do): ustar/GNU/pax
// headers, numeric fields, checksums, pax records. Strings are 'latin1' so
// every byte of a name round-trips.

export const BLOCK = 512;

export const TYPE = {
  file: 0x30, // '0'
  fileOld: 0x00, // '\0'
  hardlink: 0x31,
  symlink: 0x32,
  char: 0x33,
  block: 0x34,
  dir: 0x35,
  fifo: 0x36,
  contiguous: 0x37,
  paxLocal: 0x78, // 'x'
  paxGlobal: 0x67, // 'g'
  gnuLongName: 0x4c, // 'L'
  gnuLongLink: 0x4b, // 'K'
} as const;

export class TarFormatError extends Error {}

/** NUL-terminated string of a fixed field. */
export function cstr(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('latin1', off, end < 0 || end > off + len ? off + len : end);
}

export function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * A numeric field: leading spaces, octal digits, then NUL/space padding; or
 * base-256 (high bit set, positive only). Anything else is refused rather
 * than guessed, since tar and we must agree on sizes.
 */
export function numeric(b: Buffer, off: number, len: number, what: string): number {
  const first = b[off] as number;
  if (first === 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + (b[i] as number);
    if (!Number.isSafeInteger(v)) throw new TarFormatError(`${what} out of range`);
    return v;
  }
  let i = off;
  const end = off + len;
  while (i < end && b[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  while (i < end && (b[i] as number) >= 0x30 && (b[i] as number) <= 0x37) {
    v = v * 8 + ((b[i] as number) - 0x30);
    i++;
    digits++;
  }
  for (; i < end; i++) {
    if (b[i] !== 0 && b[i] !== 0x20) throw new TarFormatError(`${what} field is not a number`);
  }
  if (digits === 0 && b[off] !== 0 && b[off] !== 0x20) throw new TarFormatError(`${what} field is not a number`);
  if (!Number.isSafeInteger(v)) throw new TarFormatError(`${what} out of range`);
  return v;
}

/** GNU tar accepts the unsigned or the signed byte sum, with the field read as spaces. */
export function checksumOk(b: Buffer): boolean {
  let want: number;
  try {
    want = numeric(b, 148, 8, 'checksum');
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : (b[i] as number);
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return want === unsigned || want === signed;
}

export interface RawHeader {
  typeflag: number;
  /** name, with the ustar prefix applied when the magic is POSIX "ustar\0". */
  name: string;
  linkname: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
}

export function decodeHeader(b: Buffer): RawHeader {
  const typeflag = b[156] as number;
  let name = cstr(b, 0, 100);
  const posix = b.toString('latin1', 257, 262) === 'ustar' && b[262] === 0;
  if (posix && b[345] !== 0) name = `${cstr(b, 345, 155)}/${name}`;
  return {
    typeflag,
    name,
    linkname: cstr(b, 157, 100),
    size: numeric(b, 124, 12, 'size'),
    mode: numeric(b, 100, 8, 'mode'),
    uid: numeric(b, 108, 8, 'uid'),
    gid: numeric(b, 116, 8, 'gid'),
  };
}

/** Pax records "<len> <key>=<value>\n"; malformed records are an error. Values are latin1, cut at NUL as tar does. */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let off = 0;
  while (off < data.length) {
    if (data[off] === 0) break; // zero padding after the last record
    const sp = data.indexOf(0x20, off);
    if (sp < 0) throw new TarFormatError('malformed pax record');
    const lenText = data.toString('latin1', off, sp);
    if (!/^[1-9][0-9]{0,9}$/.test(lenText)) throw new TarFormatError('malformed pax record length');
    const len = Number(lenText);
    const end = off + len;
    if (end > data.length || data[end - 1] !== 0x0a) throw new TarFormatError('malformed pax record');
    const eq = data.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= end) throw new TarFormatError('malformed pax record');
    const key = data.toString('latin1', sp + 1, eq);
    let value = data.subarray(eq + 1, end - 1);
    const nul = value.indexOf(0);
    if (nul >= 0) value = value.subarray(0, nul);
    out.set(key, value.toString('latin1'));
    off = end;
  }
  return out;
}

export function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const rest = Buffer.byteLength(body, 'latin1');
  let len = rest + 1;
  while (String(len).length + rest !== len) len = String(len).length + rest;
  return Buffer.from(`${len}${body}`, 'latin1');
}

function octalField(h: Buffer, off: number, len: number, v: number): void {
  h.write(v.toString(8).padStart(len - 1, '0'), off, len - 1, 'latin1');
  h[off + len - 1] = 0;
}

/** A POSIX header block; `name` must fit 100 bytes (callers put longer ones in a pax record). */
export function encodeHeader(f: { name: string; typeflag: number; mode: number; mtime: Buffer; size?: number; devmajor?: number; devminor?: number }): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(f.name.slice(0, 100), 0, 100, 'latin1');
  octalField(h, 100, 8, f.mode);
  octalField(h, 108, 8, 0);
  octalField(h, 116, 8, 0);
  octalField(h, 124, 12, f.size ?? 0);
  f.mtime.copy(h, 136, 0, 12);
  h[156] = f.typeflag;
  h.write('ustar\u000000', 257, 8, 'latin1');
  octalField(h, 329, 8, f.devmajor ?? 0);
  octalField(h, 337, 8, f.devminor ?? 0);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of h) sum += c;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return h;
}

/** A pax extended header ('x') carrying `records`, as header + padded data. */
export function paxHeader(records: Buffer[], mtime: Buffer): Buffer {
  const body = Buffer.concat(records);
  const head = encodeHeader({ name: 'PaxHeaders/entry', typeflag: TYPE.paxLocal, mode: 0o644, mtime, size: body.length });
  return Buffer.concat([head, body, Buffer.alloc(padTo(body.length) - body.length)]);
}

export function padTo(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}
