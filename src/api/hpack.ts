// HPACK (RFC 7541): a decoder that tracks the peer's dynamic table, the
// Huffman code, and a small encoder (literals, never indexed). Used by our
// HTTP/2 server (h2-server.ts) and client (src/client/h2-connection.ts), and
// by tests to speak raw HTTP/2 as gRPC-Go does.
//
// Names and values are latin1 strings: one char per octet, so that any octet
// sequence round-trips unchanged and string length equals octet length (the
// dynamic table's size accounting is in octets).

export interface HeaderField {
  name: string;
  value: string;
  /** Sent as "never indexed" (RFC 7541 §6.2.3); an intermediary must keep that. */
  sensitive?: boolean;
}

export class HpackError extends Error {
  constructor(message: string) {
    super(`hpack: ${message}`);
    this.name = 'HpackError';
  }
}

/** RFC 7541 Appendix A; index 1 is STATIC_TABLE[0]. */
export const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** First static index for each name, for literals with an indexed name. */
const STATIC_NAME_INDEX: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  STATIC_TABLE.forEach(([name], i) => {
    if (!m.has(name)) m.set(name, i + 1);
  });
  return m;
})();

// ---------------------------------------------------------------------------
// Huffman code (RFC 7541 Appendix B): [code aligned to LSB, length in bits]
// for symbols 0..255 and EOS (256). The code is canonical; a unit test checks
// that, which catches a mistyped entry.
export const HUFFMAN_CODES: readonly (readonly [number, number])[] = [
  [0x1ff8, 13], [0x7fffd8, 23], [0xfffffe2, 28], [0xfffffe3, 28], [0xfffffe4, 28], [0xfffffe5, 28], [0xfffffe6, 28], [0xfffffe7, 28],
  [0xfffffe8, 28], [0xffffea, 24], [0x3ffffffc, 30], [0xfffffe9, 28], [0xfffffea, 28], [0x3ffffffd, 30], [0xfffffeb, 28], [0xfffffec, 28],
  [0xfffffed, 28], [0xfffffee, 28], [0xfffffef, 28], [0xffffff0, 28], [0xffffff1, 28], [0xffffff2, 28], [0x3ffffffe, 30], [0xffffff3, 28],
  [0xffffff4, 28], [0xffffff5, 28], [0xffffff6, 28], [0xffffff7, 28], [0xffffff8, 28], [0xffffff9, 28], [0xffffffa, 28], [0xffffffb, 28],
  // ' ' .. '/'
  [0x14, 6], [0x3f8, 10], [0x3f9, 10], [0xffa, 12], [0x1ff9, 13], [0x15, 6], [0xf8, 8], [0x7fa, 11],
  [0x3fa, 10], [0x3fb, 10], [0xf9, 8], [0x7fb, 11], [0xfa, 8], [0x16, 6], [0x17, 6], [0x18, 6],
  // '0' .. '?'
  [0x0, 5], [0x1, 5], [0x2, 5], [0x19, 6], [0x1a, 6], [0x1b, 6], [0x1c, 6], [0x1d, 6],
  [0x1e, 6], [0x1f, 6], [0x5c, 7], [0xfb, 8], [0x7ffc, 15], [0x20, 6], [0xffb, 12], [0x3fc, 10],
  // '@' .. 'O'
  [0x1ffa, 13], [0x21, 6], [0x5d, 7], [0x5e, 7], [0x5f, 7], [0x60, 7], [0x61, 7], [0x62, 7],
  [0x63, 7], [0x64, 7], [0x65, 7], [0x66, 7], [0x67, 7], [0x68, 7], [0x69, 7], [0x6a, 7],
  // 'P' .. '_'
  [0x6b, 7], [0x6c, 7], [0x6d, 7], [0x6e, 7], [0x6f, 7], [0x70, 7], [0x71, 7], [0x72, 7],
  [0xfc, 8], [0x73, 7], [0xfd, 8], [0x1ffb, 13], [0x7fff0, 19], [0x1ffc, 13], [0x3ffc, 14], [0x22, 6],
  // '`' .. 'o'
  [0x7ffd, 15], [0x3, 5], [0x23, 6], [0x4, 5], [0x24, 6], [0x5, 5], [0x25, 6], [0x26, 6],
  [0x27, 6], [0x6, 5], [0x74, 7], [0x75, 7], [0x28, 6], [0x29, 6], [0x2a, 6], [0x7, 5],
  // 'p' .. 127
  [0x2b, 6], [0x76, 7], [0x2c, 6], [0x8, 5], [0x9, 5], [0x2d, 6], [0x77, 7], [0x78, 7],
  [0x79, 7], [0x7a, 7], [0x7b, 7], [0x7ffe, 15], [0x7fc, 11], [0x3ffd, 14], [0x1ffd, 13], [0xffffffc, 28],
  // 128 ..
  [0xfffe6, 20], [0x3fffd2, 22], [0xfffe7, 20], [0xfffe8, 20], [0x3fffd3, 22], [0x3fffd4, 22], [0x3fffd5, 22], [0x7fffd9, 23],
  [0x3fffd6, 22], [0x7fffda, 23], [0x7fffdb, 23], [0x7fffdc, 23], [0x7fffdd, 23], [0x7fffde, 23], [0xffffeb, 24], [0x7fffdf, 23],
  [0xffffec, 24], [0xffffed, 24], [0x3fffd7, 22], [0x7fffe0, 23], [0xffffee, 24], [0x7fffe1, 23], [0x7fffe2, 23], [0x7fffe3, 23],
  [0x7fffe4, 23], [0x1fffdc, 21], [0x3fffd8, 22], [0x7fffe5, 23], [0x3fffd9, 22], [0x7fffe6, 23], [0x7fffe7, 23], [0xffffef, 24],
  // 160 ..
  [0x3fffda, 22], [0x1fffdd, 21], [0xfffe9, 20], [0x3fffdb, 22], [0x3fffdc, 22], [0x7fffe8, 23], [0x7fffe9, 23], [0x1fffde, 21],
  [0x7fffea, 23], [0x3fffdd, 22], [0x3fffde, 22], [0xfffff0, 24], [0x1fffdf, 21], [0x3fffdf, 22], [0x7fffeb, 23], [0x7fffec, 23],
  [0x1fffe0, 21], [0x1fffe1, 21], [0x3fffe0, 22], [0x1fffe2, 21], [0x7fffed, 23], [0x3fffe1, 22], [0x7fffee, 23], [0x7fffef, 23],
  [0xfffea, 20], [0x3fffe2, 22], [0x3fffe3, 22], [0x3fffe4, 22], [0x7ffff0, 23], [0x3fffe5, 22], [0x3fffe6, 22], [0x7ffff1, 23],
  // 192 ..
  [0x3ffffe0, 26], [0x3ffffe1, 26], [0xfffeb, 20], [0x7fff1, 19], [0x3fffe7, 22], [0x7ffff2, 23], [0x3fffe8, 22], [0x1ffffec, 25],
  [0x3ffffe2, 26], [0x3ffffe3, 26], [0x3ffffe4, 26], [0x7ffffde, 27], [0x7ffffdf, 27], [0x3ffffe5, 26], [0xfffff1, 24], [0x1ffffed, 25],
  [0x7fff2, 19], [0x1fffe3, 21], [0x3ffffe6, 26], [0x7ffffe0, 27], [0x7ffffe1, 27], [0x3ffffe7, 26], [0x7ffffe2, 27], [0xfffff2, 24],
  [0x1fffe4, 21], [0x1fffe5, 21], [0x3ffffe8, 26], [0x3ffffe9, 26], [0xffffffd, 28], [0x7ffffe3, 27], [0x7ffffe4, 27], [0x7ffffe5, 27],
  // 224 ..
  [0xfffec, 20], [0xfffff3, 24], [0xfffed, 20], [0x1fffe6, 21], [0x3fffe9, 22], [0x1fffe7, 21], [0x1fffe8, 21], [0x7ffff3, 23],
  [0x3fffea, 22], [0x3fffeb, 22], [0x1ffffee, 25], [0x1ffffef, 25], [0xfffff4, 24], [0xfffff5, 24], [0x3ffffea, 26], [0x7ffff4, 23],
  [0x3ffffeb, 26], [0x7ffffe6, 27], [0x3ffffec, 26], [0x3ffffed, 26], [0x7ffffe7, 27], [0x7ffffe8, 27], [0x7ffffe9, 27], [0x7ffffea, 27],
  [0x7ffffeb, 27], [0xffffffe, 28], [0x7ffffec, 27], [0x7ffffed, 27], [0x7ffffee, 27], [0x7ffffef, 27], [0x7fffff0, 27], [0x3ffffee, 26],
  // EOS
  [0x3fffffff, 30],
];

const EOS = 256;

/**
 * Binary decoding tree in a flat array: node n's children are at 2n (bit 0)
 * and 2n+1 (bit 1); a positive entry is an inner node, -(sym+1) a leaf,
 * 0 no child (only reachable past EOS's prefix, which is all ones).
 */
const HUFFMAN_TREE: Int32Array = (() => {
  const tree = new Int32Array(2 * HUFFMAN_CODES.length);
  let nodes = 1;
  HUFFMAN_CODES.forEach(([code, len], sym) => {
    let node = 0;
    for (let i = len - 1; i > 0; i--) {
      const slot = 2 * node + ((code >>> i) & 1);
      if (tree[slot] === 0) tree[slot] = nodes++;
      node = tree[slot]!;
    }
    tree[2 * node + (code & 1)] = -(sym + 1);
  });
  return tree;
})();

/** Decodes a Huffman-coded string (RFC 7541 §5.2) to latin1. */
export function huffmanDecode(data: Uint8Array): string {
  const out = Buffer.allocUnsafe(Math.ceil((data.length * 8) / 5));
  let n = 0;
  let node = 0;
  let pendingBits = 0; // bits read since the last symbol
  let pendingOnes = true; // were they all ones (a prefix of EOS)?
  for (const byte of data) {
    for (let i = 7; i >= 0; i--) {
      const bit = (byte >>> i) & 1;
      const next = HUFFMAN_TREE[2 * node + bit]!;
      if (next === 0) throw new HpackError('invalid Huffman code');
      if (next < 0) {
        const sym = -next - 1;
        if (sym === EOS) throw new HpackError('EOS in Huffman string');
        out[n++] = sym;
        node = 0;
        pendingBits = 0;
        pendingOnes = true;
      } else {
        node = next;
        pendingBits++;
        pendingOnes &&= bit === 1;
      }
    }
  }
  // Padding: fewer than 8 bits, all ones (the most significant bits of EOS).
  if (pendingBits > 7 || !pendingOnes) throw new HpackError('invalid Huffman padding');
  return out.toString('latin1', 0, n);
}

/** Huffman-encodes a latin1 string. */
export function huffmanEncode(s: string): Buffer {
  const bytes: number[] = [];
  let acc = 0; // pending bits, as a number (may exceed 32 bits, stays < 2^38)
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const [code, len] = HUFFMAN_CODES[s.charCodeAt(i) & 0xff]!;
    acc = acc * 2 ** len + code;
    bits += len;
    while (bits >= 8) {
      const shift = 2 ** (bits - 8);
      bytes.push(Math.floor(acc / shift));
      acc %= shift;
      bits -= 8;
    }
  }
  if (bits > 0) bytes.push(acc * 2 ** (8 - bits) + (2 ** (8 - bits) - 1));
  return Buffer.from(bytes);
}

export function huffmanEncodedLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += HUFFMAN_CODES[s.charCodeAt(i) & 0xff]![1];
  return Math.ceil(bits / 8);
}

// ---------------------------------------------------------------------------
// Primitive types (RFC 7541 §5)

/** Larger integers than this are refused: no legitimate length or index is near it. */
const MAX_INTEGER = 2 ** 31 - 1;

/** Reads an integer with an N-bit prefix at buf[pos]; returns it and the next position. */
export function decodeInteger(buf: Uint8Array, pos: number, prefixBits: number): [value: number, next: number] {
  if (pos >= buf.length) throw new HpackError('truncated integer');
  const max = (1 << prefixBits) - 1;
  let value = buf[pos++]! & max;
  if (value < max) return [value, pos];
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new HpackError('truncated integer');
    const b = buf[pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    if (value > MAX_INTEGER) throw new HpackError('integer overflow');
    if ((b & 0x80) === 0) return [value, pos];
    shift += 7;
  }
}

/** Encodes an integer with an N-bit prefix; `flags` fills the bits above the prefix. */
export function encodeInteger(value: number, prefixBits: number, flags = 0): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [flags | value];
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

/** Reads a string literal (§5.2) at buf[pos]. */
export function decodeString(buf: Uint8Array, pos: number): [value: string, next: number] {
  if (pos >= buf.length) throw new HpackError('truncated string');
  const huffman = (buf[pos]! & 0x80) !== 0;
  const [len, start] = decodeInteger(buf, pos, 7);
  const end = start + len;
  if (end > buf.length) throw new HpackError('truncated string');
  const raw = buf.subarray(start, end);
  return [huffman ? huffmanDecode(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1'), end];
}

export function encodeString(s: string, huffman = false): Buffer {
  const body = huffman ? huffmanEncode(s) : Buffer.from(s, 'latin1');
  return Buffer.concat([Buffer.from(encodeInteger(body.length, 7, huffman ? 0x80 : 0)), body]);
}

// ---------------------------------------------------------------------------
// Decoder

/** Per-entry overhead in the table size (RFC 7541 §4.1). */
const ENTRY_OVERHEAD = 32;

export interface DecoderOptions {
  /** The table size the peer's encoder starts with (SETTINGS_HEADER_TABLE_SIZE); default 4096. */
  tableSize?: number;
  /** The largest size a size update may set; default tableSize. */
  maxTableSize?: number;
}

export class HpackDecoder {
  private entries: HeaderField[] = []; // newest first
  private size = 0;
  private capacity: number;
  private readonly maxCapacity: number;

  constructor(opts: DecoderOptions = {}) {
    this.capacity = opts.tableSize ?? 4096;
    this.maxCapacity = opts.maxTableSize ?? this.capacity;
  }

  /** Dynamic table entries, newest first (index 62 is the first). */
  get table(): readonly HeaderField[] {
    return this.entries;
  }

  /** Current table size in octets, with the 32-octet overhead per entry. */
  get tableSize(): number {
    return this.size;
  }

  get tableCapacity(): number {
    return this.capacity;
  }

  /** Decodes one complete header block, updating the dynamic table. Throws HpackError. */
  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    let pos = 0;
    while (pos < block.length) {
      const b = block[pos]!;
      if (b & 0x80) {
        // Indexed header field (§6.1)
        const [index, next] = decodeInteger(block, pos, 7);
        const f = this.lookup(index);
        fields.push({ name: f.name, value: f.value });
        pos = next;
      } else if (b & 0x40) {
        // Literal with incremental indexing (§6.2.1)
        const [f, next] = this.literal(block, pos, 6);
        this.insert(f);
        fields.push(f);
        pos = next;
      } else if (b & 0x20) {
        // Dynamic table size update (§6.3): only before the first field
        if (fields.length > 0) throw new HpackError('table size update after a header field');
        const [size, next] = decodeInteger(block, pos, 5);
        if (size > this.maxCapacity) throw new HpackError(`table size update to ${size} exceeds ${this.maxCapacity}`);
        this.capacity = size;
        this.evict(0);
        pos = next;
      } else {
        // Literal without indexing (0000) or never indexed (0001) (§6.2.2, §6.2.3)
        const [f, next] = this.literal(block, pos, 4);
        if (b & 0x10) f.sensitive = true;
        fields.push(f);
        pos = next;
      }
    }
    return fields;
  }

  private literal(block: Uint8Array, pos: number, prefixBits: number): [HeaderField, number] {
    const [index, afterIndex] = decodeInteger(block, pos, prefixBits);
    let name: string;
    let next: number;
    if (index === 0) {
      [name, next] = decodeString(block, afterIndex);
    } else {
      name = this.lookup(index).name;
      next = afterIndex;
    }
    const [value, end] = decodeString(block, next);
    return [{ name, value }, end];
  }

  private lookup(index: number): HeaderField {
    if (index === 0) throw new HpackError('index 0');
    if (index <= STATIC_TABLE.length) {
      const [name, value] = STATIC_TABLE[index - 1]!;
      return { name, value };
    }
    const f = this.entries[index - STATIC_TABLE.length - 1];
    if (!f) throw new HpackError(`index ${index} beyond the dynamic table`);
    return f;
  }

  private insert(f: HeaderField): void {
    const size = f.name.length + f.value.length + ENTRY_OVERHEAD;
    this.evict(size);
    // An entry larger than the table empties it and is not added (§4.4).
    if (size > this.capacity) return;
    this.entries.unshift({ name: f.name, value: f.value });
    this.size += size;
  }

  /** Evicts oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.entries.length > 0 && this.size + room > this.capacity) {
      const old = this.entries.pop()!;
      this.size -= old.name.length + old.value.length + ENTRY_OVERHEAD;
    }
  }
}

// ---------------------------------------------------------------------------
// Encoder: representations that never touch the receiver's dynamic table
// unless asked (tests use incremental indexing to look like gRPC-Go).

export type Indexing = 'incremental' | 'none' | 'never';

export interface LiteralOptions {
  indexing?: Indexing;
  huffman?: boolean;
  /** Use this table index for the name instead of a literal name. */
  nameIndex?: number;
}

const LITERAL_PREFIX: Record<Indexing, [prefixBits: number, flags: number]> = {
  incremental: [6, 0x40],
  none: [4, 0x00],
  never: [4, 0x10],
};

export function encodeIndexed(index: number): Buffer {
  return Buffer.from(encodeInteger(index, 7, 0x80));
}

export function encodeSizeUpdate(size: number): Buffer {
  return Buffer.from(encodeInteger(size, 5, 0x20));
}

export function encodeLiteral(f: HeaderField, opts: LiteralOptions = {}): Buffer {
  const [prefixBits, flags] = LITERAL_PREFIX[opts.indexing ?? 'none'];
  const huffman = opts.huffman ?? false;
  const parts: Buffer[] = [Buffer.from(encodeInteger(opts.nameIndex ?? 0, prefixBits, flags))];
  if (!opts.nameIndex) parts.push(encodeString(f.name, huffman));
  parts.push(encodeString(f.value, huffman));
  return Buffer.concat(parts);
}

/**
 * Encodes a header list with literals that are never added to the receiver's
 * dynamic table: names from the static table where possible, plain strings,
 * and "never indexed" kept for fields that came that way.
 */
export function encodeWithoutIndexing(fields: readonly HeaderField[]): Buffer {
  return Buffer.concat(
    fields.map((f) =>
      encodeLiteral(f, {
        indexing: f.sensitive ? 'never' : 'none',
        nameIndex: STATIC_NAME_INDEX.get(f.name) ?? 0,
      }),
    ),
  );
}
