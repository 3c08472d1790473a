import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeInteger,
  encodeIndexed,
  encodeInteger,
  encodeLiteral,
  encodeSizeUpdate,
  encodeString,
  encodeWithoutIndexing,
  HpackDecoder,
  HpackError,
  HUFFMAN_CODES,
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
  type HeaderField,
} from '../../src/api/hpack.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const h = (name: string, value: string): HeaderField => ({ name, value });
const plain = (fs: readonly HeaderField[]): [string, string][] => fs.map((f) => [f.name, f.value]);

interface Step {
  block: string;
  headers: HeaderField[];
  table: HeaderField[];
  size: number;
}

/** Decodes a series of blocks on one decoder, checking headers and the table after each. */
function series(tableSize: number, steps: Step[]): void {
  const d = new HpackDecoder({ tableSize });
  steps.forEach((s, i) => {
    assert.deepEqual(plain(d.decode(hex(s.block))), plain(s.headers), `headers of block ${i}`);
    assert.deepEqual(plain(d.table), plain(s.table), `table after block ${i}`);
    assert.equal(d.tableSize, s.size, `table size after block ${i}`);
  });
}

// RFC 7541 Appendix C.3 / C.4 header lists and tables (the same for both).
const REQ1 = [h(':method', 'GET'), h(':scheme', 'http'), h(':path', '/'), h(':authority', 'www.example.com')];
const REQ2 = [...REQ1, h('cache-control', 'no-cache')];
const REQ3 = [h(':method', 'GET'), h(':scheme', 'https'), h(':path', '/index.html'), h(':authority', 'www.example.com'), h('custom-key', 'custom-value')];
const REQ_TABLES = [
  [h(':authority', 'www.example.com')],
  [h('cache-control', 'no-cache'), h(':authority', 'www.example.com')],
  [h('custom-key', 'custom-value'), h('cache-control', 'no-cache'), h(':authority', 'www.example.com')],
];

// RFC 7541 Appendix C.5 / C.6 (table size 256, with evictions).
const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const LOC = 'https://www.example.com';
const RES1 = [h(':status', '302'), h('cache-control', 'private'), h('date', DATE1), h('location', LOC)];
const RES2 = [h(':status', '307'), h('cache-control', 'private'), h('date', DATE1), h('location', LOC)];
const RES3 = [h(':status', '200'), h('cache-control', 'private'), h('date', DATE2), h('location', LOC), h('content-encoding', 'gzip'), h('set-cookie', COOKIE)];
const RES_TABLES = [
  [h('location', LOC), h('date', DATE1), h('cache-control', 'private'), h(':status', '302')],
  [h(':status', '307'), h('location', LOC), h('date', DATE1), h('cache-control', 'private')],
  [h('set-cookie', COOKIE), h('content-encoding', 'gzip'), h('date', DATE2)],
];

describe('HPACK Huffman code', () => {
  it('is the canonical code the RFC table describes (catches a mistyped entry)', () => {
    assert.equal(HUFFMAN_CODES.length, 257);
    const order = HUFFMAN_CODES.map(([, len], sym) => ({ sym, len })).sort((a, b) => a.len - b.len || a.sym - b.sym);
    let code = 0;
    let len = order[0]!.len;
    for (const e of order) {
      code *= 2 ** (e.len - len);
      len = e.len;
      assert.deepEqual(HUFFMAN_CODES[e.sym], [code, len], `symbol ${e.sym}`);
      code++;
    }
    assert.equal(code, 2 ** 30, 'the code space is used up exactly (Kraft sum 1)');
    assert.deepEqual(HUFFMAN_CODES[256], [0x3fffffff, 30], 'EOS');
    assert.deepEqual(HUFFMAN_CODES[0x61], [0x3, 5], "'a'");
  });

  const vectors: [string, string][] = [
    ['f1e3 c2e5 f23a 6ba0 ab90 f4ff', 'www.example.com'],
    ['a8eb 1064 9cbf', 'no-cache'],
    ['25a8 49e9 5ba9 7d7f', 'custom-key'],
    ['25a8 49e9 5bb8 e8b4 bf', 'custom-value'],
    ['6402', '302'],
    ['aec3 771a 4b', 'private'],
    ['d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff', DATE1],
    ['9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3', LOC],
    ['9bd9 ab', 'gzip'],
    ['94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07', COOKIE],
  ];

  it('decodes the RFC 7541 Appendix C strings', () => {
    for (const [enc, want] of vectors) assert.equal(huffmanDecode(hex(enc)), want);
  });

  it('encodes them back byte for byte', () => {
    for (const [enc, s] of vectors) {
      assert.equal(huffmanEncode(s).toString('hex'), hex(enc).toString('hex'));
      assert.equal(huffmanEncodedLength(s), hex(enc).length);
    }
  });

  it('round-trips every octet value, including the 30-bit codes', () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const s = all.toString('latin1');
    assert.equal(huffmanDecode(huffmanEncode(s)), s);
    for (let n = 0; n < 40; n++) {
      const t = s.slice(n, n + 1 + ((n * 37) % 200));
      assert.equal(huffmanDecode(huffmanEncode(t)), t);
    }
    assert.equal(huffmanDecode(Buffer.alloc(0)), '');
  });

  it('refuses bad padding and EOS', () => {
    // 'a' is 00011: padding with zeros instead of ones
    assert.throws(() => huffmanDecode(Buffer.from([0b00011000])), HpackError);
    // a whole byte of padding (8 bits, more than 7)
    assert.throws(() => huffmanDecode(Buffer.from([0b00011111, 0xff])), HpackError);
    // EOS itself (30 ones) followed by padding
    assert.throws(() => huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff])), HpackError);
    // the fuzz case golang.org/x/net once crashed on
    assert.throws(() => huffmanDecode(Buffer.from('00\x91\xff\xff\xff\xff\xc8', 'latin1')), HpackError);
  });
});

describe('HPACK integers (RFC 7541 C.1)', () => {
  it('encodes and decodes the examples', () => {
    assert.deepEqual(encodeInteger(10, 5), [0x0a]);
    assert.deepEqual(encodeInteger(1337, 5), [0x1f, 0x9a, 0x0a]);
    assert.deepEqual(encodeInteger(42, 8), [0x2a]);
    assert.deepEqual(decodeInteger(Buffer.from([0x0a]), 0, 5), [10, 1]);
    assert.deepEqual(decodeInteger(Buffer.from([0xff, 0x9a, 0x0a, 0x77]), 0, 5), [1337, 3]);
    assert.deepEqual(decodeInteger(Buffer.from([0x2a]), 0, 8), [42, 1]);
    for (const v of [0, 30, 31, 127, 128, 16383, 16384, 2 ** 31 - 1]) {
      assert.deepEqual(decodeInteger(Buffer.from(encodeInteger(v, 7)), 0, 7), [v, encodeInteger(v, 7).length]);
    }
  });

  it('refuses truncated and overlong integers', () => {
    assert.throws(() => decodeInteger(Buffer.from([0x1f, 0x9a]), 0, 5), HpackError);
    assert.throws(() => decodeInteger(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0, 7), HpackError);
  });
});

describe('HPACK decoder', () => {
  it('C.2.1 literal with indexing', () => {
    series(4096, [{ block: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572', headers: [h('custom-key', 'custom-header')], table: [h('custom-key', 'custom-header')], size: 55 }]);
  });

  it('C.2.2 literal without indexing', () => {
    series(4096, [{ block: '040c 2f73 616d 706c 652f 7061 7468', headers: [h(':path', '/sample/path')], table: [], size: 0 }]);
  });

  it('C.2.3 literal never indexed, marked sensitive', () => {
    const d = new HpackDecoder();
    const fields = d.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'));
    assert.deepEqual(fields, [{ name: 'password', value: 'secret', sensitive: true }]);
    assert.equal(d.tableSize, 0);
  });

  it('C.2.4 indexed field', () => {
    series(4096, [{ block: '82', headers: [h(':method', 'GET')], table: [], size: 0 }]);
  });

  it('C.3 requests without Huffman', () => {
    series(4096, [
      { block: '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', headers: REQ1, table: REQ_TABLES[0]!, size: 57 },
      { block: '8286 84be 5808 6e6f 2d63 6163 6865', headers: REQ2, table: REQ_TABLES[1]!, size: 110 },
      { block: '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65', headers: REQ3, table: REQ_TABLES[2]!, size: 164 },
    ]);
  });

  it('C.4 requests with Huffman', () => {
    series(4096, [
      { block: '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', headers: REQ1, table: REQ_TABLES[0]!, size: 57 },
      { block: '8286 84be 5886 a8eb 1064 9cbf', headers: REQ2, table: REQ_TABLES[1]!, size: 110 },
      { block: '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf', headers: REQ3, table: REQ_TABLES[2]!, size: 164 },
    ]);
  });

  it('C.5 responses without Huffman, evicting from a 256-octet table', () => {
    series(256, [
      {
        block: `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
                2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
        headers: RES1,
        table: RES_TABLES[0]!,
        size: 222,
      },
      { block: '4803 3330 37c1 c0bf', headers: RES2, table: RES_TABLES[1]!, size: 222 },
      {
        block: `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
                54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
                5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
        headers: RES3,
        table: RES_TABLES[2]!,
        size: 215,
      },
    ]);
  });

  it('C.6 responses with Huffman, evicting from a 256-octet table', () => {
    series(256, [
      {
        block: `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
        headers: RES1,
        table: RES_TABLES[0]!,
        size: 222,
      },
      { block: '4883 640e ffc1 c0bf', headers: RES2, table: RES_TABLES[1]!, size: 222 },
      {
        block: `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
                77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
        headers: RES3,
        table: RES_TABLES[2]!,
        size: 215,
      },
    ]);
  });

  it('applies table size updates at the start of a block', () => {
    const d = new HpackDecoder({ tableSize: 4096, maxTableSize: 8192 });
    d.decode(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'));
    assert.equal(d.table.length, 1);
    // size 0 empties the table, then size 4096 again; both before the first field
    const fields = d.decode(Buffer.concat([encodeSizeUpdate(0), encodeSizeUpdate(4096), encodeIndexed(2)]));
    assert.deepEqual(plain(fields), [[':method', 'GET']]);
    assert.equal(d.table.length, 0);
    assert.equal(d.tableCapacity, 4096);
    assert.deepEqual(decodeInteger(hex('3fe1 1f'), 0, 5), [4096, 3]);
    // an indexed reference into the now empty dynamic table is an error
    assert.throws(() => d.decode(encodeIndexed(62)), HpackError);
  });

  it('a small table evicts, and an entry larger than the table empties it', () => {
    const d = new HpackDecoder({ tableSize: 100 });
    d.decode(encodeLiteral(h('a', 'x'.repeat(30)), { indexing: 'incremental' })); // 63 octets
    d.decode(encodeLiteral(h('b', 'y'.repeat(20)), { indexing: 'incremental' })); // 53: evicts a
    assert.deepEqual(plain(d.table), [['b', 'y'.repeat(20)]]);
    assert.equal(d.tableSize, 53);
    const fields = d.decode(encodeLiteral(h('c', 'z'.repeat(100)), { indexing: 'incremental' }));
    assert.deepEqual(plain(fields), [['c', 'z'.repeat(100)]]);
    assert.equal(d.table.length, 0);
    assert.equal(d.tableSize, 0);
  });

  it('refuses malformed blocks', () => {
    const bad = [
      encodeIndexed(0), // index 0
      encodeIndexed(62), // empty dynamic table
      Buffer.concat([encodeIndexed(2), encodeSizeUpdate(0)]), // size update after a field
      encodeSizeUpdate(4097), // above the limit
      hex('400a 6375 7374'), // truncated literal
      Buffer.from([0x00, 0x83, 0x00]), // truncated Huffman name
    ];
    for (const b of bad) assert.throws(() => new HpackDecoder().decode(b), HpackError, b.toString('hex'));
  });
});

describe('HPACK encoder', () => {
  it('literals without indexing round-trip and leave the table empty', () => {
    const fields: HeaderField[] = [
      h(':method', 'POST'),
      h(':scheme', 'http'),
      h(':path', '/runtime.v1.RuntimeService/Version'),
      h(':authority', 'localhost'),
      h('content-type', 'application/grpc'),
      h('te', 'trailers'),
      h('user-agent', 'grpc-go/1.50.1'),
      h('x-bytes', '\x00\x7f\x80\xff'),
      { name: 'authorization', value: 'secret', sensitive: true },
    ];
    const d = new HpackDecoder();
    const block = encodeWithoutIndexing(fields);
    assert.deepEqual(d.decode(block), fields);
    assert.equal(d.table.length, 0);
    // static names are referenced by index, never-indexed stays never-indexed
    assert.equal(block[0], 0x02); // literal without indexing, name index 2 (:method)
    const auth = encodeWithoutIndexing([fields[8]!]);
    assert.equal(auth[0], 0x1f); // never indexed, name index 23 (15 + 8 continuation)
  });

  it('incremental indexing with Huffman is what gRPC-Go sends, and indexes resolve', () => {
    const d = new HpackDecoder();
    const first = encodeLiteral(h(':authority', '/run/berth/berth.sock'), { indexing: 'incremental', huffman: true, nameIndex: 1 });
    assert.equal(first[0], 0x41);
    assert.equal(first[1]! & 0x80, 0x80, 'Huffman flag');
    assert.deepEqual(plain(d.decode(first)), [[':authority', '/run/berth/berth.sock']]);
    assert.deepEqual(plain(d.decode(encodeIndexed(62))), [[':authority', '/run/berth/berth.sock']]);
    assert.deepEqual(plain(d.decode(encodeLiteral(h('x-new', 'v'), { indexing: 'incremental', huffman: true }))), [['x-new', 'v']]);
    assert.deepEqual(plain(d.table), [['x-new', 'v'], [':authority', '/run/berth/berth.sock']]);
  });

  it('string literals carry the Huffman flag only when asked', () => {
    assert.deepEqual([...encodeString('abc')], [0x03, 0x61, 0x62, 0x63]);
    assert.equal(encodeString('www.example.com', true).toString('hex'), '8cf1e3c2e5f23a6ba0ab90f4ff');
  });
});
