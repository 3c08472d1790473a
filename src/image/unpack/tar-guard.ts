// A streaming filter between a layer's uncompressed bytes and GNU tar. It
// decodes every header as GNU tar will, and lets an entry through only once
// it is proven to stay inside the (fresh, empty) layer directory:
//  - names and hardlink targets: no absolute paths, no ".." components;
//  - no entry below a symlink that an earlier entry planted (the layer dir
//    starts empty, so those are the only symlinks extraction could follow);
//  - a hardlink must name an earlier non-directory entry;
//  - no sparse/multi-volume/unknown entry types, no data on header-only
//    types, no bad checksums (tar would resynchronise where we do not).
// A refused entry never reaches tar: the whole layer fails. On the way it
// converts whiteouts for overlayfs: `.wh.NAME` becomes a char device 0:0
// NAME (tar creates it), `.wh..wh..opq` is dropped and its directory
// reported, to be marked trusted.overlay.opaque=y after extraction. It also
// hashes everything (the diff_id) and counts inodes and bytes.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import {
  BLOCK,
  TYPE,
  TarFormatError,
  checksumOk,
  decodeHeader,
  encodeHeader,
  isZeroBlock,
  padTo,
  parsePax,
  paxHeader,
  paxRecord,
} from './tar-header.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_META = 1 << 20;
const BLOCK_BYTES = 4096;

export class UnsafeLayerError extends Error {}

export interface GuardStats {
  /** sha256 of the uncompressed stream: must equal the config's diff_id. */
  diffId: string;
  size: number;
  /** Directories (relative, latin1) to mark opaque. */
  opaqueDirs: string[];
  entries: number;
  whiteouts: number;
  /** Approximate disk usage of the extracted layer. */
  usedBytes: number;
  inodes: number;
}

type Kind = 'dir' | 'symlink' | 'other';
const SPECIAL = new Set<number>([TYPE.hardlink, TYPE.symlink, TYPE.char, TYPE.block, TYPE.dir, TYPE.fifo]);

export class TarGuard extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private dataLeft = 0;
  private forwardData = true;
  private meta: { type: number; size: number; buf: Buffer; fill: number } | undefined;
  private held: Buffer[] = [];
  private paxPath: string | undefined;
  private paxLink: string | undefined;
  private paxSize: number | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  private ended = false;
  private readonly seen = new Map<string, Kind>();
  private readonly symlinks = new Set<string>();
  private readonly opaque = new Set<string>();
  private stats = { entries: 0, whiteouts: 0, usedBytes: 0, inodes: 0 };
  private result: GuardStats | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    try {
      this.consume(chunk);
      cb();
    } catch (e) {
      cb(e instanceof TarFormatError ? new UnsafeLayerError(`malformed tar: ${e.message}`) : (e as Error));
    }
  }

  override _flush(cb: TransformCallback): void {
    if (!this.ended) {
      if (this.dataLeft > 0 || this.meta || this.headerFill > 0 || this.held.length > 0) {
        cb(new UnsafeLayerError('malformed tar: archive is truncated'));
        return;
      }
      this.push(Buffer.alloc(2 * BLOCK));
    }
    this.result = { diffId: `sha256:${this.hash.digest('hex')}`, size: this.size, opaqueDirs: [...this.opaque], ...this.stats };
    cb();
  }

  /** Available once the stream has finished. */
  summary(): GuardStats {
    if (!this.result) throw new Error('tar guard: stream not finished');
    return this.result;
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && !this.ended) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, chunk.length - off);
        if (this.forwardData) this.push(chunk.subarray(off, off + n));
        this.dataLeft -= n;
        off += n;
        continue;
      }
      if (this.meta) {
        const m = this.meta;
        const n = Math.min(m.buf.length - m.fill, chunk.length - off);
        chunk.copy(m.buf, m.fill, off, off + n);
        m.fill += n;
        off += n;
        if (m.fill === m.buf.length) {
          this.meta = undefined;
          this.held.push(m.buf);
          this.onMeta(m.type, m.buf.subarray(0, m.size));
        }
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - off);
      chunk.copy(this.header, this.headerFill, off, off + n);
      this.headerFill += n;
      off += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        const block = this.header;
        this.header = Buffer.alloc(BLOCK);
        this.onHeader(block);
      }
    }
  }

  private onHeader(block: Buffer): void {
    if (isZeroBlock(block)) {
      // GNU tar stops at the first zero block: so do we, and feed it nothing more.
      if (this.held.length > 0) throw new UnsafeLayerError('malformed tar: extended header without an entry');
      this.push(Buffer.alloc(2 * BLOCK));
      this.ended = true;
      return;
    }
    if (!checksumOk(block)) throw new UnsafeLayerError('malformed tar: header checksum mismatch');
    const h = decodeHeader(block);
    switch (h.typeflag) {
      case TYPE.paxLocal:
      case TYPE.paxGlobal:
      case TYPE.gnuLongName:
      case TYPE.gnuLongLink:
        if (h.size > MAX_META) throw new UnsafeLayerError(`extended header of ${h.size} bytes is too large`);
        this.held.push(block);
        this.meta = { type: h.typeflag, size: h.size, buf: Buffer.alloc(padTo(h.size)), fill: 0 };
        if (h.size === 0) {
          this.meta = undefined;
          this.onMeta(h.typeflag, Buffer.alloc(0));
        }
        return;
      default:
        this.onEntry(block, h);
    }
  }

  private onMeta(type: number, data: Buffer): void {
    if (type === TYPE.gnuLongName || type === TYPE.gnuLongLink) {
      const nul = data.indexOf(0);
      const value = data.toString('latin1', 0, nul < 0 ? data.length : nul);
      if (type === TYPE.gnuLongName) {
        if (this.longName !== undefined) throw new UnsafeLayerError('two GNU long names for one entry');
        this.longName = value;
      } else {
        if (this.longLink !== undefined) throw new UnsafeLayerError('two GNU long link names for one entry');
        this.longLink = value;
      }
      return;
    }
    const records = parsePax(data);
    for (const key of records.keys()) {
      if (key.startsWith('GNU.sparse.')) throw new UnsafeLayerError('sparse files are not supported in layers');
    }
    if (type === TYPE.paxGlobal) {
      for (const key of ['path', 'linkpath', 'size']) {
        if (records.has(key)) throw new UnsafeLayerError(`global pax header sets "${key}"`);
      }
      // A global header applies to nothing by itself: forward it now.
      for (const b of this.held) this.push(b);
      this.held = [];
      return;
    }
    if (this.paxPath !== undefined || this.paxLink !== undefined || this.paxSize !== undefined) {
      throw new UnsafeLayerError('two pax headers for one entry');
    }
    this.paxPath = records.get('path');
    this.paxLink = records.get('linkpath');
    const size = records.get('size');
    if (size !== undefined) {
      if (!/^[0-9]{1,15}$/.test(size)) throw new UnsafeLayerError(`pax size "${size}" is not a number`);
      this.paxSize = Number(size);
    }
  }

  private onEntry(block: Buffer, h: ReturnType<typeof decodeHeader>): void {
    if (this.longName !== undefined && this.paxPath !== undefined) throw new UnsafeLayerError('entry named by both a GNU long name and pax');
    if (this.longLink !== undefined && this.paxLink !== undefined) throw new UnsafeLayerError('link named by both a GNU long link and pax');
    const rawName = this.paxPath ?? this.longName ?? h.name;
    const rawLink = this.paxLink ?? this.longLink ?? h.linkname;
    const size = this.paxSize ?? h.size;
    const held = this.held;
    this.held = [];
    this.paxPath = this.paxLink = this.paxSize = this.longName = this.longLink = undefined;

    const isFile = h.typeflag === TYPE.file || h.typeflag === TYPE.fileOld || h.typeflag === TYPE.contiguous;
    if (!isFile && !SPECIAL.has(h.typeflag)) throw new UnsafeLayerError(`${show(rawName)}: unsupported tar entry type '${String.fromCharCode(h.typeflag)}'`);
    if (!isFile && size !== 0) throw new UnsafeLayerError(`${show(rawName)}: a ${typeName(h.typeflag)} entry carries data`);
    if (isFile && rawName.endsWith('/')) throw new UnsafeLayerError(`${show(rawName)}: a file entry named like a directory`);

    const path = cleanPath(rawName);
    const dir = parentOf(path);
    const base = path.slice(dir === '' ? 0 : dir.length + 1);
    this.checkAncestors(path, rawName);
    this.stats.entries++;

    if (base.startsWith(WHITEOUT)) {
      this.dataLeft = padTo(size);
      this.forwardData = false;
      if (base === OPAQUE) {
        this.opaque.add(dir);
        return;
      }
      if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // other AUFS metadata: meaningless here
      const name = base.slice(WHITEOUT.length);
      if (name === '' || name === '.' || name === '..') throw new UnsafeLayerError(`${show(rawName)}: invalid whiteout`);
      const target = dir === '' ? name : `${dir}/${name}`;
      this.claim(target, 'other', rawName);
      this.stats.whiteouts++;
      this.stats.inodes++;
      this.push(whiteoutEntry(target, block.subarray(136, 148)));
      return;
    }

    if (path === '' && h.typeflag !== TYPE.dir) throw new UnsafeLayerError(`${show(rawName)}: only a directory may name the layer root`);
    let kind: Kind = h.typeflag === TYPE.dir ? 'dir' : h.typeflag === TYPE.symlink ? 'symlink' : 'other';
    if (h.typeflag === TYPE.hardlink) {
      const target = cleanPath(rawLink);
      this.checkAncestors(target, rawLink);
      const targetKind = this.seen.get(target);
      if (targetKind === undefined || targetKind === 'dir' || target === path) {
        throw new UnsafeLayerError(`${show(rawName)}: hardlink to ${show(rawLink)}, which is not an earlier file of this layer`);
      }
      kind = targetKind;
    } else {
      this.stats.inodes++;
      this.stats.usedBytes += kind === 'dir' ? BLOCK_BYTES : isFile ? Math.ceil(size / BLOCK_BYTES) * BLOCK_BYTES : 0;
    }
    this.claim(path, kind, rawName);
    for (const b of held) this.push(b);
    this.push(block);
    this.dataLeft = padTo(size);
    this.forwardData = true;
  }

  /** Nothing below a symlink this layer planted. */
  private checkAncestors(path: string, raw: string): void {
    let i = path.indexOf('/');
    while (i >= 0) {
      if (this.symlinks.has(path.slice(0, i))) throw new UnsafeLayerError(`${show(raw)}: path goes through a symlink planted by an earlier entry`);
      i = path.indexOf('/', i + 1);
    }
  }

  private claim(path: string, kind: Kind, raw: string): void {
    if (this.symlinks.has(path) && kind !== 'symlink') throw new UnsafeLayerError(`${show(raw)}: replaces a symlink planted by an earlier entry`);
    this.seen.set(path, kind);
    if (kind === 'symlink') this.symlinks.add(path);
  }
}

/** Normalised relative path: no leading "./", no empty or "." components; absolute and ".." refused. */
export function cleanPath(raw: string): string {
  if (raw.startsWith('/')) throw new UnsafeLayerError(`${show(raw)}: absolute path`);
  const parts: string[] = [];
  for (const c of raw.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') throw new UnsafeLayerError(`${show(raw)}: ".." in path`);
    parts.push(c);
  }
  return parts.join('/');
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function whiteoutEntry(target: string, mtime: Buffer): Buffer {
  const pax = paxHeader([paxRecord('path', target)], mtime);
  return Buffer.concat([pax, encodeHeader({ name: 'whiteout', typeflag: TYPE.char, mode: 0, mtime, devmajor: 0, devminor: 0 })]);
}

function typeName(t: number): string {
  return t === TYPE.hardlink ? 'hardlink' : t === TYPE.symlink ? 'symlink' : t === TYPE.dir ? 'directory' : t === TYPE.fifo ? 'fifo' : 'device';
}

function show(raw: string): string {
  return JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}…` : raw);
}
