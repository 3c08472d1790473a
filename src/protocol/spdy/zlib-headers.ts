// SPDY/3 header block compression: zlib with the protocol's preset
// dictionary, ONE zlib stream per direction for the whole connection,
// sync-flushed after every header block (SPDY/3 §2.6.10.1).
//
// Node has no public synchronous API for a long-lived zlib stream (the
// private `_processChunk` closes the stream after one call). But a sync flush
// ends every header block on a deflate block boundary, and deflate only
// refers back 32 KiB. So each block is coded on its own, synchronously, as
// RAW deflate whose dictionary is the last 32 KiB of that direction's history
// (the preset dictionary followed by every earlier uncompressed block): the
// bytes are exactly what one continuous zlib stream would carry. The first
// block of a direction carries the 6-byte zlib header (FDICT, dictionary id).
// Staying synchronous keeps frame order trivially right.
import * as zlib from 'node:zlib';
import { SpdyProtocolError, type SpdyHeaders } from './frames.js';

/** The 65 length-prefixed words that open the SPDY/3 dictionary. */
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie',
  'keep-alive', 'origin',
];

/** …followed by this run of status codes, reasons, dates and values, without length prefixes. */
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

function buildDictionary(): Buffer {
  const parts: Buffer[] = [];
  for (const w of DICTIONARY_WORDS) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    parts.push(len, Buffer.from(w, 'latin1'));
  }
  parts.push(Buffer.from(DICTIONARY_TAIL, 'latin1'));
  return Buffer.concat(parts);
}

/** The SPDY/3 header dictionary: 1423 bytes, zlib dictionary id (Adler-32) 0xe3c6a7c2. */
export const SPDY3_DICTIONARY: Buffer = buildDictionary();

const WINDOW = 32 * 1024;
/** zlib header: deflate, 32 KiB window, FDICT set, level 2, FCHECK making it a multiple of 31. */
const ZLIB_HEADER = Buffer.from([0x78, 0xbb]);

/** Adler-32, the zlib dictionary id. */
function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

export const SPDY3_DICTIONARY_ID = adler32(SPDY3_DICTIONARY);

/** The last 32 KiB of one direction's uncompressed history: what back-references may reach. */
class Window {
  private bytes: Buffer = SPDY3_DICTIONARY;

  get(): Buffer {
    return this.bytes;
  }

  append(data: Buffer): void {
    const joined = Buffer.concat([this.bytes, data]);
    this.bytes = joined.length > WINDOW ? joined.subarray(joined.length - WINDOW) : joined;
  }
}

/** Serialises and compresses header blocks for one direction of one connection. */
export class HeaderCompressor {
  private readonly window = new Window();
  private started = false;

  compress(headers: SpdyHeaders): Buffer {
    const raw = encodeHeaderBlock(headers);
    const body = zlib.deflateRawSync(raw, { dictionary: this.window.get(), finishFlush: zlib.constants.Z_SYNC_FLUSH });
    this.window.append(raw);
    if (this.started) return body;
    this.started = true;
    const id = Buffer.alloc(4);
    id.writeUInt32BE(SPDY3_DICTIONARY_ID);
    return Buffer.concat([ZLIB_HEADER, id, body]);
  }
}

/** Decompresses and parses header blocks for one direction of one connection. */
export class HeaderDecompressor {
  private readonly window = new Window();
  private started = false;

  decompress(block: Buffer): SpdyHeaders {
    let body = block;
    if (!this.started) {
      this.started = true;
      body = stripZlibHeader(block);
    }
    let raw: Buffer;
    try {
      raw = zlib.inflateRawSync(body, { dictionary: this.window.get(), finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (e) {
      throw new SpdyProtocolError(`header block does not decompress: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.window.append(raw);
    return decodeHeaderBlock(raw);
  }
}

function stripZlibHeader(block: Buffer): Buffer {
  if (block.length < 2 || ((block[0] as number) & 0x0f) !== 8 || ((block[0] as number) * 256 + (block[1] as number)) % 31 !== 0) {
    throw new SpdyProtocolError('first header block lacks a zlib header');
  }
  if (!((block[1] as number) & 0x20)) return block.subarray(2);
  if (block.length < 6 || block.readUInt32BE(2) !== SPDY3_DICTIONARY_ID) throw new SpdyProtocolError('header block uses a dictionary other than SPDY/3\'s');
  return block.subarray(6);
}

/** Uncompressed header block: count, then (length, name, length, value) pairs, 32-bit big-endian. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(raw: Buffer): SpdyHeaders {
  const fail = (why: string): never => {
    throw new SpdyProtocolError(`malformed header block: ${why}`);
  };
  if (raw.length < 4) fail('shorter than its count');
  const count = raw.readUInt32BE(0);
  const headers: SpdyHeaders = {};
  let pos = 4;
  const take = (): string => {
    if (pos + 4 > raw.length) fail('truncated length');
    const len = raw.readUInt32BE(pos);
    pos += 4;
    if (pos + len > raw.length) fail('truncated string');
    const s = raw.toString('utf8', pos, pos + len);
    pos += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    // Names must be lowercase on the wire; tolerate peers that are sloppy about it.
    const name = take().toLowerCase();
    if (name === '') fail('empty header name');
    const value = take();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}\0${value}`;
  }
  return headers;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
