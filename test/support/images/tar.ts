// A minimal POSIX (ustar + pax) tar writer. Writing headers ourselves keeps
// layers byte-for-byte reproducible and lets tests describe entries GNU tar
// would refuse to create from a real tree (whiteouts for absent files,
// device nodes without mknod, hostile paths like "../x").
import { createHash } from 'node:crypto';

interface EntryBase {
  /** Written verbatim (no normalisation) so hostile paths stay possible. */
  path: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch; 0 keeps layers reproducible. */
  mtime?: number;
  /** Written as pax SCHILY.xattr.* records, as GNU tar --xattrs reads them. */
  xattrs?: Record<string, Buffer | string>;
}

export type TarEntry = EntryBase &
  (
    | { type: 'file'; content: Buffer | string }
    | { type: 'dir' }
    | { type: 'symlink'; target: string }
    | { type: 'hardlink'; target: string }
    | { type: 'char' | 'block'; major: number; minor: number }
    | { type: 'fifo' }
  );

const TYPEFLAG: Record<TarEntry['type'], string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

function octal(buf: Buffer, off: number, len: number, value: number): void {
  const s = value.toString(8).padStart(len - 1, '0');
  if (s.length > len - 1) throw new Error(`tar: value ${value} does not fit ${len} bytes`);
  buf.write(s, off, 'ascii');
  buf[off + len - 1] = 0;
}

function header(name: string, typeflag: string, size: number, e: EntryBase, linkname = '', dev = { major: 0, minor: 0 }): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, e.mode ?? 0);
  octal(h, 108, 8, e.uid ?? 0);
  octal(h, 116, 8, e.gid ?? 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, e.mtime ?? 0);
  h.fill(0x20, 148, 156); // checksum is computed over spaces in its own field
  h.write(typeflag, 156, 1, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 8, 'ascii');
  // uname/gname stay empty: extractors then use the numeric ids we wrote.
  octal(h, 329, 8, dev.major);
  octal(h, 337, 8, dev.minor);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8, 'ascii');
  return h;
}

function pad(len: number): Buffer {
  return Buffer.alloc((512 - (len % 512)) % 512);
}

function paxRecord(key: string, value: Buffer): Buffer {
  // "<len> key=value\n" where <len> counts its own digits.
  const rest = Buffer.byteLength(` ${key}=`) + value.length + 1;
  let len = rest + 1;
  while (String(len).length + rest !== len) len = String(len).length + rest;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

function entryBlocks(e: TarEntry, out: Buffer[]): void {
  const name = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  const link = e.type === 'symlink' || e.type === 'hardlink' ? e.target : '';
  const records: Buffer[] = [];
  // ustar's 100-byte name field; anything longer (or non-ASCII) goes in pax.
  if (Buffer.byteLength(name) > 100 || /[^\x20-\x7e]/.test(name)) records.push(paxRecord('path', Buffer.from(name)));
  if (Buffer.byteLength(link) > 100 || /[^\x20-\x7e]/.test(link)) records.push(paxRecord('linkpath', Buffer.from(link)));
  for (const [k, v] of Object.entries(e.xattrs ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    records.push(paxRecord(`SCHILY.xattr.${k}`, Buffer.isBuffer(v) ? v : Buffer.from(v)));
  }
  if (records.length > 0) {
    const body = Buffer.concat(records);
    const paxName = `PaxHeaders.0/${name.replace(/\/$/, '').split('/').pop() ?? ''}`.slice(0, 99);
    out.push(header(paxName, 'x', body.length, { path: paxName, mode: 0o644 }), body, pad(body.length));
  }
  const content = e.type === 'file' ? (Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content)) : Buffer.alloc(0);
  const defaultMode = e.type === 'dir' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644;
  const dev = e.type === 'char' || e.type === 'block' ? { major: e.major, minor: e.minor } : undefined;
  out.push(header(name.slice(0, 100), TYPEFLAG[e.type], content.length, { ...e, mode: e.mode ?? defaultMode }, link.slice(0, 100), dev));
  if (content.length > 0) out.push(content, pad(content.length));
}

/** Serialise entries in the given order, terminated by two zero blocks. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) entryBlocks(e, out);
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

/** A stable fingerprint of entries (contents hashed) for build caches. */
export function entriesKey(entries: readonly TarEntry[]): string {
  const h = createHash('sha256');
  for (const e of entries) {
    const { xattrs, ...rest } = e;
    const meta = 'content' in rest ? { ...rest, content: createHash('sha256').update(rest.content).digest('hex') } : rest;
    h.update(JSON.stringify(meta));
    for (const [k, v] of Object.entries(xattrs ?? {})) h.update(`${k}\0`).update(v).update('\0');
    h.update('\n');
  }
  return h.digest('hex');
}
