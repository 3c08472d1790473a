// SPDY/3.1 frame codec and header compression, without sockets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { FrameReader } from '../../src/protocol/spdy/framer.js';
import { FrameWriter } from '../../src/protocol/spdy/writer.js';
import {
  encodeHeaderBlock,
  HeaderCompressor,
  HeaderDecompressor,
  SPDY3_DICTIONARY,
  SPDY3_DICTIONARY_ID,
} from '../../src/protocol/spdy/zlib-headers.js';
import { SpdyProtocolError, type Frame, type SpdyHeaders } from '../../src/protocol/spdy/frames.js';

function roundTrip(frames: Frame[], chunkSize = 0): Frame[] {
  const w = new FrameWriter(new HeaderCompressor());
  const out: Frame[] = [];
  const r = new FrameReader(new HeaderDecompressor(), (f) => out.push(f));
  const bytes = Buffer.concat(frames.flatMap((f) => w.encode(f)));
  if (chunkSize <= 0) r.push(bytes);
  else for (let i = 0; i < bytes.length; i += chunkSize) r.push(bytes.subarray(i, i + chunkSize));
  return out;
}

const sample: Frame[] = [
  { type: 'syn_stream', streamId: 1, associatedId: 0, priority: 3, fin: false, unidirectional: false, headers: { streamtype: 'error' } },
  { type: 'syn_reply', streamId: 1, fin: false, headers: {} },
  { type: 'headers', streamId: 1, fin: true, headers: { a: 'b\0c' } },
  { type: 'data', streamId: 1, fin: false, data: Buffer.from('hello') },
  { type: 'data', streamId: 3, fin: true, data: Buffer.alloc(0) },
  { type: 'rst_stream', streamId: 5, status: 5 },
  { type: 'settings', clear: true, entries: [{ id: 7, flags: 1, value: 65536 }, { id: 4, flags: 0, value: 100 }] },
  { type: 'ping', id: 0xfffffffe },
  { type: 'goaway', lastGoodStreamId: 9, status: 0 },
  { type: 'window_update', streamId: 1, delta: 0x7fffffff },
  { type: 'unknown', controlType: 5, flags: 0, payload: Buffer.alloc(0) },
];

describe('SPDY/3 dictionary', () => {
  it('is the 1423 bytes the protocol defines', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.equal(SPDY3_DICTIONARY_ID, 0xe3c6a7c2);
    assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
    assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith('utf-,*,enq=0.'));
  });
});

describe('SPDY frame codec', () => {
  it('round-trips every frame type', () => {
    assert.deepEqual(roundTrip(sample), sample);
  });

  it('reassembles frames split at every byte boundary', () => {
    assert.deepEqual(roundTrip(sample, 1), sample);
    assert.deepEqual(roundTrip(sample, 7), sample);
  });

  it('encodes a DATA frame as header + untouched payload (no copy)', () => {
    const payload = Buffer.from('abc');
    const [head, body] = new FrameWriter(new HeaderCompressor()).encode({ type: 'data', streamId: 7, fin: true, data: payload });
    assert.deepEqual([...(head as Buffer)], [0, 0, 0, 7, 1, 0, 0, 3]);
    assert.equal(body, payload);
  });

  it('encodes control frames with version 3 and the type', () => {
    const [ping] = new FrameWriter(new HeaderCompressor()).encode({ type: 'ping', id: 1 });
    assert.deepEqual([...(ping as Buffer)], [0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]);
  });

  it('rejects another SPDY version', () => {
    const r = new FrameReader(new HeaderDecompressor(), () => undefined);
    assert.throws(() => r.push(Buffer.from([0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1])), SpdyProtocolError);
  });

  it('carries a 4 MiB DATA payload intact', () => {
    const data = Buffer.alloc(4 << 20, 7);
    data.writeUInt32BE(0xdeadbeef, 1000);
    const [f] = roundTrip([{ type: 'data', streamId: 1, fin: false, data }], 65536);
    assert.equal(f?.type, 'data');
    assert.equal(createHash('sha256').update((f as { data: Buffer }).data).digest('hex'), createHash('sha256').update(data).digest('hex'));
  });
});

describe('SPDY header compression', () => {
  it('shares one zlib stream across many frames (later blocks shrink by back-reference)', () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    const sizes: number[] = [];
    for (let i = 0; i < 500; i++) {
      const headers = { streamtype: i % 2 ? 'data' : 'error', port: '8080', requestid: String(i) };
      const block = c.compress(headers);
      sizes.push(block.length);
      assert.deepEqual(d.decompress(block), headers);
    }
    assert.ok((sizes.at(-1) as number) < (sizes[0] as number) / 2, `sizes ${sizes[0]} → ${sizes.at(-1)}`);
  });

  it('produces exactly what one continuous zlib stream decodes (as Go\'s spdystream reads it)', async () => {
    const c = new HeaderCompressor();
    const inflate = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
    const blocks: SpdyHeaders[] = [{ streamtype: 'stdin' }, { streamtype: 'stdout', big: 'x'.repeat(50_000) }, { streamtype: 'stderr' }];
    const expected = Buffer.concat(blocks.map((b) => encodeHeaderBlock(b)));
    const got: Buffer[] = [];
    inflate.on('data', (b: Buffer) => got.push(b));
    for (const b of blocks) inflate.write(c.compress(b));
    await new Promise<void>((resolve) => inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    assert.deepEqual(Buffer.concat(got), expected);
  });

  it('decodes blocks from one continuous zlib stream, including references past 32 KiB', async () => {
    const deflate = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 });
    const d = new HeaderDecompressor();
    const flushBlock = (raw: Buffer): Promise<Buffer> =>
      new Promise((resolve) => {
        const parts: Buffer[] = [];
        const on = (b: Buffer): number => parts.push(b);
        deflate.on('data', on);
        deflate.write(raw);
        deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          deflate.off('data', on);
          resolve(Buffer.concat(parts));
        });
      });
    for (let i = 0; i < 40; i++) {
      const headers = { streamtype: 'data', port: String(1000 + i), pad: 'p'.repeat(2000 + i) };
      assert.deepEqual(d.decompress(await flushBlock(encodeHeaderBlock(headers))), headers);
    }
  });

  it('joins repeated names with NUL and lowercases names', () => {
    const raw = Buffer.concat([
      Buffer.from([0, 0, 0, 2]),
      Buffer.from([0, 0, 0, 1]), Buffer.from('A'), Buffer.from([0, 0, 0, 1]), Buffer.from('1'),
      Buffer.from([0, 0, 0, 1]), Buffer.from('a'), Buffer.from([0, 0, 0, 1]), Buffer.from('2'),
    ]);
    const block = zlib.deflateSync(raw, { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    assert.deepEqual(new HeaderDecompressor().decompress(block), { a: '1\u00002' });
  });

  it('refuses garbage as a protocol error', () => {
    assert.throws(() => new HeaderDecompressor().decompress(Buffer.from([0x78, 0xbb, 1, 2, 3, 4, 5, 6])), SpdyProtocolError);
  });
});
