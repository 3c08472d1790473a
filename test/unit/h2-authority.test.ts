import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { ListContainersRequest, ListContainersResponse, VersionRequest, VersionResponse } from '../../src/api/gen/api.js';
import { ListContainers, Version } from '../../src/api/methods.js';
import { startGrpcServer } from '../../src/api/server.js';
import { Code } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';
import {
  AuthorityRewriter,
  CONNECTION_PREFACE,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PADDED,
  FLAG_PRIORITY,
  frame,
  FRAME_CONTINUATION,
  FRAME_DATA,
  FRAME_HEADERS,
  isValidAuthority,
  repairAuthority,
} from '../../src/api/h2-authority.js';
import { encodeIndexed, encodeLiteral, encodeWithoutIndexing, HpackDecoder, huffmanEncode, type HeaderField } from '../../src/api/hpack.js';
import { FRAME, GoLikeEncoder, grpcRequestHeaders, headersFragment, headerValue, parseFrames, rawGrpcCall, RawH2Connection, type StreamResult } from '../support/raw-h2.js';

const OLD_AUTHORITY = '/run/berth/berth.sock';
const NGHTTP2_PROTOCOL_ERROR = 1;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-h2-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
let socketCount = 0;
const socketPath = (): string => join(dir, `s${socketCount++}.sock`);

interface Connection {
  /** What the client sent, as the socket read it. */
  received: Buffer[];
  /** What the wrapper passed on to the HTTP/2 server. */
  forwarded: Buffer[];
  closed: Promise<void>;
}

interface Harness {
  path: string;
  seen: http2.IncomingHttpHeaders[];
  connections: Connection[];
  rewrites: string[];
  close(): Promise<void>;
}

/** A node:http2 server on a unix socket whose connections go through repairAuthority (or not). */
async function startH2(wrap: boolean): Promise<Harness> {
  const path = socketPath();
  const seen: http2.IncomingHttpHeaders[] = [];
  const connections: Connection[] = [];
  const rewrites: string[] = [];
  const sockets = new Set<net.Socket>();
  const h2 = http2.createServer();
  h2.on('stream', (stream, headers) => {
    seen.push(headers);
    stream.respond({ ':status': 200 });
    stream.end(`ok ${headers[':path'] ?? ''}`);
  });
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const c: Connection = { received: [], forwarded: [], closed: new Promise((resolve) => socket.once('close', () => resolve())) };
    connections.push(c);
    socket.on('data', (b: Buffer) => c.received.push(b));
    let conn: Duplex = socket;
    if (wrap) {
      conn = repairAuthority(socket, { onRewrite: (a) => rewrites.push(a) });
      conn.on('data', (b: Buffer) => c.forwarded.push(b));
    }
    h2.emit('connection', conn);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    seen,
    connections,
    rewrites,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      h2.close();
    },
  };
}

function status(r: StreamResult): string | undefined {
  return headerValue(r.headers, ':status');
}

/** Decodes every header block in a client→server byte string with one decoder, as the server does. */
function serverView(bytes: Buffer): HeaderField[][] {
  const d = new HpackDecoder();
  const blocks: HeaderField[][] = [];
  let fragments: Buffer[] = [];
  for (const f of parseFrames(bytes, true)) {
    if (f.type === FRAME_HEADERS) fragments = [headersFragment(f)];
    else if (f.type === FRAME_CONTINUATION) fragments.push(f.payload);
    else continue;
    if (f.flags & FLAG_END_HEADERS) blocks.push(d.decode(Buffer.concat(fragments)));
  }
  return blocks;
}

describe('isValidAuthority', () => {
  it('accepts host[:port] forms and rejects paths and whitespace', () => {
    for (const a of ['localhost', 'localhost:1234', '127.0.0.1:80', '[::1]:443', 'user@host', 'a-b.c_d~e', '']) assert.ok(isValidAuthority(a), a);
    for (const a of [OLD_AUTHORITY, 'unix:///run/x.sock', 'a b', 'host\t', 'x?y', 'x#y', 'é']) assert.ok(!isValidAuthority(a), a);
  });
});

describe('repairAuthority with node:http2', () => {
  it('without it, nghttp2 resets a stream whose :authority is a socket path (the problem)', async () => {
    const h = await startH2(false);
    const conn = await RawH2Connection.open(h.path);
    try {
      const r = await conn.request(1, new GoLikeEncoder().encode(grpcRequestHeaders('/x/one', OLD_AUTHORITY)));
      assert.equal(r.resetCode, NGHTTP2_PROTOCOL_ERROR);
      assert.equal(h.seen.length, 0);
    } finally {
      conn.close();
      await h.close();
    }
  });

  it('answers gRPC-Go-style requests with a socket-path :authority, Huffman-coded and indexed', async () => {
    const h = await startH2(true);
    const conn = await RawH2Connection.open(h.path);
    try {
      const enc = new GoLikeEncoder();
      const b1 = enc.encode(grpcRequestHeaders('/x/one', OLD_AUTHORITY));
      // as gRPC-Go sends it: literal with incremental indexing, name :authority (1), Huffman value
      assert.ok(b1.includes(encodeLiteral({ name: ':authority', value: OLD_AUTHORITY }, { indexing: 'incremental', huffman: true, nameIndex: 1 })));
      const r1 = await conn.request(1, b1);
      const b2 = enc.encode(grpcRequestHeaders('/x/two', OLD_AUTHORITY));
      // the second request refers to the dynamic table only: no literal authority
      assert.ok(!b2.includes(huffmanEncode(OLD_AUTHORITY)));
      assert.throws(() => new HpackDecoder().decode(b2));
      const r2 = await conn.request(3, b2);

      assert.equal(status(r1), '200');
      assert.equal(status(r2), '200');
      assert.equal(r2.data.toString(), 'ok /x/two');
      assert.deepEqual(
        h.seen.map((s) => [s[':authority'], s[':path'], s['content-type'], s['te']]),
        [
          ['localhost', '/x/one', 'application/grpc', 'trailers'],
          ['localhost', '/x/two', 'application/grpc', 'trailers'],
        ],
      );
      assert.deepEqual(h.rewrites, [OLD_AUTHORITY]);
    } finally {
      conn.close();
      await h.close();
    }
  });

  it('keeps the server in step when a connection turns bad after indexed good blocks', async () => {
    const h = await startH2(true);
    const conn = await RawH2Connection.open(h.path);
    try {
      const enc = new GoLikeEncoder();
      const good = [...grpcRequestHeaders('/a', 'localhost'), { name: 'x-a', value: '1' }];
      const r1 = await conn.request(1, enc.encode(good)); // forwarded as is: the server indexes it
      const r2 = await conn.request(3, enc.encode(grpcRequestHeaders('/b', OLD_AUTHORITY))); // rewritten
      const b3 = enc.encode(good); // all indexed, into entries the server has at other positions now
      assert.ok(b3.every((byte) => (byte & 0x80) !== 0), 'fully indexed');
      const r3 = await conn.request(5, b3);
      const r4 = await conn.request(7, enc.encode([...grpcRequestHeaders('/c', 'localhost'), { name: 'x-new', value: 'v' }]));
      const r5 = await conn.request(9, enc.encode([...grpcRequestHeaders('/c', 'localhost'), { name: 'x-new', value: 'v' }]));
      for (const r of [r1, r2, r3, r4, r5]) assert.equal(status(r), '200');
      assert.deepEqual(
        h.seen.map((s) => [s[':authority'], s[':path'], s['x-a'], s['x-new']]),
        [
          ['localhost', '/a', '1', undefined],
          ['localhost', '/b', undefined, undefined],
          ['localhost', '/a', '1', undefined],
          ['localhost', '/c', undefined, 'v'],
          ['localhost', '/c', undefined, 'v'],
        ],
      );
      conn.close();
      const c = h.connections[0]!;
      await c.closed;
      // The server's decoder sees consistent blocks; after the first rewrite nothing is indexed.
      const blocks = serverView(Buffer.concat(c.forwarded));
      assert.equal(blocks.length, 5);
      assert.deepEqual(
        blocks.map((b) => headerValue(b, ':authority')),
        ['localhost', 'localhost', 'localhost', 'localhost', 'localhost'],
      );
      // the first block went through byte for byte
      const firstIn = parseFrames(Buffer.concat(c.received), true).find((f) => f.type === FRAME_HEADERS)!;
      const firstOut = parseFrames(Buffer.concat(c.forwarded), true).find((f) => f.type === FRAME_HEADERS)!;
      assert.deepEqual(firstOut.payload, firstIn.payload);
    } finally {
      conn.close();
      await h.close();
    }
  });

  it('passes a normal node:http2 client through byte for byte', async () => {
    const h = await startH2(true);
    const client = http2.connect('http://berth.test:10010', { createConnection: () => net.connect(h.path) });
    try {
      for (const p of ['/one', '/two', '/three']) {
        const { code, body } = await new Promise<{ code: number | undefined; body: string }>((resolve, reject) => {
          const req = client.request({ ':path': p, 'x-custom': 'same-value' });
          let code: number | undefined;
          let body = '';
          req.on('response', (hd) => (code = hd[':status']));
          req.setEncoding('utf8');
          req.on('data', (d: string) => (body += d));
          req.on('end', () => resolve({ code, body }));
          req.on('error', reject);
          req.end();
        });
        assert.equal(code, 200);
        assert.equal(body, `ok ${p}`);
      }
      assert.deepEqual(
        h.seen.map((s) => s[':authority']),
        ['berth.test:10010', 'berth.test:10010', 'berth.test:10010'],
      );
      await new Promise<void>((resolve) => client.close(() => resolve()));
      const c = h.connections[0]!;
      await c.closed;
      const received = Buffer.concat(c.received);
      assert.ok(received.length > CONNECTION_PREFACE.length);
      assert.ok(Buffer.concat(c.forwarded).equals(received), 'forwarded bytes equal received bytes');
      assert.deepEqual(h.rewrites, []);
    } finally {
      client.destroy();
      await h.close();
    }
  });

  it('passes a gRPC-Go-style client with a valid :authority through byte for byte', async () => {
    const h = await startH2(true);
    const conn = await RawH2Connection.open(h.path);
    try {
      const enc = new GoLikeEncoder();
      const r1 = await conn.request(1, enc.encode(grpcRequestHeaders('/x/one', 'localhost')), Buffer.from('body'));
      const r2 = await conn.request(3, enc.encode(grpcRequestHeaders('/x/one', 'localhost')));
      assert.equal(status(r1), '200');
      assert.equal(status(r2), '200');
      conn.close();
      const c = h.connections[0]!;
      await c.closed;
      assert.ok(Buffer.concat(c.forwarded).equals(Buffer.concat(c.received)));
    } finally {
      conn.close();
      await h.close();
    }
  });
});

describe('repairAuthority with the daemon\'s gRPC server and rawGrpcCall', () => {
  // The daemon's own server (src/api/server.ts) with two CRI methods standing in
  // for an echo and a large answer.
  const ECHO = Version.path;
  const BIG = ListContainers.path;

  async function startGrpc(wrap: boolean): Promise<{ path: string; close(): Promise<void> }> {
    const path = socketPath();
    const server = await startGrpcServer({
      socketPath: path,
      maxMessageSize: 16 << 20,
      log: silentLogger,
      wrapConnection: wrap ? repairAuthority : undefined,
      handlers: {
        Version: async (req) => ({ version: `echo:${req.version}`, runtimeName: '', runtimeVersion: '', runtimeApiVersion: '' }),
        ListContainers: async (req) => ({
          containers: Array.from({ length: Number(req.filter?.id ?? '0') }, (_, i) => ({
            id: String(i).padStart(64, '0'), podSandboxId: 'p'.repeat(64), metadata: undefined, image: undefined,
            imageRef: '', state: 0, createdAt: 0n, labels: {}, annotations: {}, imageId: '',
          })),
        }),
      },
    });
    return { path, close: () => server.close() };
  }

  const echoBody = (v: string): Uint8Array => VersionRequest.encode({ version: v }).finish();
  const echoOf = (m: Uint8Array | undefined): string => VersionResponse.decode(m ?? new Uint8Array()).version;

  it('a unary call with a socket-path :authority succeeds', async () => {
    const s = await startGrpc(true);
    try {
      const r = await rawGrpcCall(s.path, ECHO, echoBody('hi'), OLD_AUTHORITY);
      assert.equal(r.status, 200);
      assert.equal(r.grpcStatus, '0');
      assert.equal(echoOf(r.messages[0]), 'echo:hi');
      // a body in several DATA frames
      const r2 = await rawGrpcCall(s.path, ECHO, echoBody('x'.repeat(60_000)), OLD_AUTHORITY);
      assert.equal(echoOf(r2.messages[0]).length, 60_005);
      // a response larger than the initial window: the client must give credit back
      const r3 = await rawGrpcCall(s.path, BIG, ListContainersRequest.encode({ filter: { id: '3000', podSandboxId: '', labelSelector: {}, state: undefined } }).finish(), OLD_AUTHORITY);
      assert.equal(r3.grpcStatus, '0');
      assert.equal(ListContainersResponse.decode(r3.messages[0] ?? new Uint8Array()).containers.length, 3000);
      assert.ok((r3.messages[0]?.length ?? 0) > 300_000);
    } finally {
      await s.close();
    }
  });

  it('reports gRPC errors from trailers-only responses', async () => {
    const s = await startGrpc(true);
    try {
      const r = await rawGrpcCall(s.path, '/runtime.v1.RuntimeService/Nope', new Uint8Array(), OLD_AUTHORITY);
      assert.equal(r.status, 200);
      assert.equal(r.grpcStatus, String(Code.Unimplemented));
      assert.deepEqual(r.messages, []);
    } finally {
      await s.close();
    }
  });

  it('without the wrapper the same call is reset', async () => {
    const s = await startGrpc(false);
    try {
      await assert.rejects(rawGrpcCall(s.path, ECHO, echoBody('hi'), OLD_AUTHORITY), /stream reset/);
      const ok = await rawGrpcCall(s.path, ECHO, echoBody('hi'), 'localhost');
      assert.equal(ok.grpcStatus, '0');
    } finally {
      await s.close();
    }
  });
});

describe('AuthorityRewriter', () => {
  const settings = frame(0x4, 0, 0, Buffer.alloc(0));
  const reqFields = (authority: string, path = '/p'): HeaderField[] => grpcRequestHeaders(path, authority);

  function run(input: Buffer, chunkSize = input.length): { out: Buffer; rw: AuthorityRewriter } {
    const rw = new AuthorityRewriter();
    const outs: Buffer[] = [];
    for (let pos = 0; pos < input.length; pos += chunkSize) outs.push(...rw.push(input.subarray(pos, pos + chunkSize)));
    outs.push(...rw.end());
    return { out: Buffer.concat(outs), rw };
  }

  it('gives the same output whatever the chunking', () => {
    const enc = new GoLikeEncoder();
    const clean = Buffer.concat([
      CONNECTION_PREFACE,
      settings,
      frame(FRAME_HEADERS, FLAG_END_HEADERS, 1, enc.encode(reqFields('localhost'))),
      frame(FRAME_DATA, FLAG_END_STREAM, 1, Buffer.from('x'.repeat(100))),
    ]);
    const input = Buffer.concat([
      clean,
      frame(FRAME_HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 3, enc.encode(reqFields(OLD_AUTHORITY))),
      frame(FRAME_HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 5, enc.encode(reqFields('localhost'))),
    ]);
    const whole = run(input).out;
    for (const size of [1, 2, 7, 9, 10, 33]) assert.ok(run(input, size).out.equals(whole), `chunk size ${size}`);
    assert.ok(whole.subarray(0, clean.length).equals(clean), 'frames before the first rewrite are untouched');
    assert.deepEqual(
      serverView(whole).map((b) => headerValue(b, ':authority')),
      ['localhost', 'localhost', 'localhost'],
    );
  });

  it('passes clean frames zero-copy, as the very chunk it got', () => {
    const input = Buffer.concat([CONNECTION_PREFACE, settings, frame(FRAME_HEADERS, FLAG_END_HEADERS, 1, encodeWithoutIndexing(reqFields('localhost'))), frame(FRAME_DATA, 0, 1, Buffer.alloc(50))]);
    const rw = new AuthorityRewriter();
    const out = rw.push(input);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.buffer, input.buffer);
    assert.equal(out[0]!.byteOffset, input.byteOffset);
    assert.equal(out[0]!.length, input.length);
  });

  it('strips padding, keeps priority and END_STREAM, and does not forward size updates', () => {
    const block = Buffer.concat([Buffer.from([0x3f, 0xe1, 0x1f]) /* size update 4096 */, encodeLiteral({ name: ':authority', value: OLD_AUTHORITY }, { nameIndex: 1, huffman: true }), encodeIndexed(3), encodeIndexed(6)]);
    const priority = Buffer.from([0x80, 0, 0, 1, 200]); // exclusive, depends on 1, weight 201
    const payload = Buffer.concat([Buffer.from([4]), priority, block, Buffer.alloc(4)]);
    const input = Buffer.concat([CONNECTION_PREFACE, frame(FRAME_HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM | FLAG_PADDED | FLAG_PRIORITY, 3, payload)]);
    const { out, rw } = run(input);
    assert.equal(rw.rewrittenBlocks, 1);
    const [f] = parseFrames(out, true);
    assert.equal(f!.flags, FLAG_END_HEADERS | FLAG_END_STREAM | FLAG_PRIORITY);
    assert.equal(f!.stream, 3);
    assert.deepEqual(f!.payload.subarray(0, 5), priority);
    const fragment = f!.payload.subarray(5);
    assert.equal(fragment[0]! & 0xe0, 0, 'no size update, no indexing');
    assert.deepEqual(
      new HpackDecoder().decode(fragment).map((x) => [x.name, x.value]),
      [
        [':authority', 'localhost'],
        [':method', 'POST'],
        [':scheme', 'http'],
      ],
    );
  });

  it('collects HEADERS + CONTINUATION, and splits a large rewritten block', () => {
    const fields = [...reqFields(OLD_AUTHORITY), { name: 'x-big', value: 'v'.repeat(40_000) }];
    const block = encodeWithoutIndexing(fields);
    const input = Buffer.concat([
      CONNECTION_PREFACE,
      frame(FRAME_HEADERS, 0, 1, block.subarray(0, 10)),
      frame(FRAME_CONTINUATION, 0, 1, block.subarray(10, 20_000)),
      frame(FRAME_CONTINUATION, FLAG_END_HEADERS, 1, block.subarray(20_000)),
      frame(FRAME_DATA, FLAG_END_STREAM, 1, Buffer.from('tail')),
    ]);
    const { out } = run(input, 4096);
    const frames = parseFrames(out, true);
    assert.deepEqual(
      frames.map((f) => [f.type, f.flags, f.payload.length <= 16384]),
      [
        [FRAME_HEADERS, 0, true],
        [FRAME_CONTINUATION, 0, true],
        [FRAME_CONTINUATION, FLAG_END_HEADERS, true],
        [FRAME_DATA, FLAG_END_STREAM, true],
      ],
    );
    const [decoded] = serverView(out);
    assert.equal(headerValue(decoded!, ':authority'), 'localhost');
    assert.equal(headerValue(decoded!, 'x-big')?.length, 40_000);
  });

  it('forwards a valid multi-frame block byte for byte', () => {
    const block = new GoLikeEncoder().encode(reqFields('localhost:10010'));
    const input = Buffer.concat([CONNECTION_PREFACE, frame(FRAME_HEADERS, FLAG_END_STREAM, 1, block.subarray(0, 5)), frame(FRAME_CONTINUATION, FLAG_END_HEADERS, 1, block.subarray(5))]);
    const { out, rw } = run(input, 3);
    assert.ok(out.equals(input));
    assert.equal(rw.rewrittenBlocks, 0);
  });

  it('passes everything through once HPACK does not parse', () => {
    const input = Buffer.concat([
      CONNECTION_PREFACE,
      frame(FRAME_HEADERS, FLAG_END_HEADERS, 1, Buffer.from([0x80])), // index 0
      frame(FRAME_HEADERS, FLAG_END_HEADERS, 3, encodeWithoutIndexing(reqFields(OLD_AUTHORITY))),
    ]);
    const { out, rw } = run(input, 5);
    assert.ok(out.equals(input));
    assert.ok(rw.passingThrough);
  });

  it('passes everything through when a frame interrupts a header block', () => {
    const block = encodeWithoutIndexing(reqFields(OLD_AUTHORITY));
    const input = Buffer.concat([
      CONNECTION_PREFACE,
      frame(FRAME_HEADERS, 0, 1, block.subarray(0, 4)),
      frame(FRAME_DATA, 0, 1, Buffer.from('oops')),
      frame(FRAME_CONTINUATION, FLAG_END_HEADERS, 1, block.subarray(4)),
    ]);
    const { out, rw } = run(input);
    assert.ok(out.equals(input));
    assert.ok(rw.passingThrough);
  });

  it('passes through bad padding, a non-HTTP/2 stream and a truncated frame', () => {
    const badPad = Buffer.concat([CONNECTION_PREFACE, frame(FRAME_HEADERS, FLAG_END_HEADERS | FLAG_PADDED, 1, Buffer.from([9, 0x82]))]);
    assert.ok(run(badPad).out.equals(badPad));
    const http1 = Buffer.from('GET / HTTP/1.1\r\nHost: /run/berth/berth.sock\r\n\r\n');
    assert.ok(run(http1, 4).out.equals(http1));
    const full = frame(FRAME_HEADERS, FLAG_END_HEADERS, 1, encodeWithoutIndexing(reqFields(OLD_AUTHORITY)));
    for (const cut of [4, 9, 20]) {
      const truncated = Buffer.concat([CONNECTION_PREFACE, full.subarray(0, cut)]);
      assert.ok(run(truncated, 3).out.equals(truncated), `cut at ${cut}`);
    }
  });

  it('leaves RST_STREAM / SETTINGS / PING frames alone between rewritten blocks', () => {
    const enc = new GoLikeEncoder();
    const others = [frame(FRAME.PING, 0, 0, Buffer.alloc(8, 1)), frame(FRAME.RST_STREAM, 0, 1, Buffer.alloc(4)), settings];
    const input = Buffer.concat([CONNECTION_PREFACE, frame(FRAME_HEADERS, FLAG_END_HEADERS, 1, enc.encode(reqFields(OLD_AUTHORITY))), ...others]);
    const { out } = run(input, 7);
    const frames = parseFrames(out, true);
    assert.deepEqual(
      frames.slice(1).map((f) => frame(f.type, f.flags, f.stream, f.payload)),
      others,
    );
  });
});

describe('repairAuthority stream plumbing', () => {
  /** A connected pair: the client socket and the wrapped server side. */
  async function pair(): Promise<{ client: net.Socket; wrapped: Duplex; raw: net.Socket; close(): void }> {
    const path = socketPath();
    let resolveServer: (v: { wrapped: Duplex; raw: net.Socket }) => void = () => undefined;
    const serverSide = new Promise<{ wrapped: Duplex; raw: net.Socket }>((resolve) => (resolveServer = resolve));
    const server = net.createServer((raw) => resolveServer({ wrapped: repairAuthority(raw), raw }));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = net.connect(path);
    const { wrapped, raw } = await serverSide;
    wrapped.on('error', () => undefined);
    return { client, wrapped, raw, close: () => server.close() };
  }

  const closed = (s: net.Socket | Duplex): Promise<void> => new Promise((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())));

  it('carries bytes both ways and ends when the client ends', async () => {
    const p = await pair();
    try {
      const got: Buffer[] = [];
      p.wrapped.on('data', (b: Buffer) => got.push(b));
      const ended = new Promise<void>((resolve) => p.wrapped.once('end', () => resolve()));
      const reply = new Promise<Buffer>((resolve) => p.client.once('data', (b: Buffer) => resolve(b)));
      p.wrapped.write(Buffer.from('from server'));
      assert.equal((await reply).toString(), 'from server');
      p.client.end(Buffer.concat([CONNECTION_PREFACE, frame(FRAME_DATA, 0, 1, Buffer.from('hello'))]));
      await ended;
      await closed(p.wrapped);
      assert.ok(Buffer.concat(got).equals(Buffer.concat([CONNECTION_PREFACE, frame(FRAME_DATA, 0, 1, Buffer.from('hello'))])));
    } finally {
      p.close();
    }
  });

  it('destroying the wrapper closes the connection, and a closed or failed socket closes the wrapper', async () => {
    const a = await pair();
    try {
      const clientClosed = closed(a.client);
      a.wrapped.destroy();
      await clientClosed;
      assert.ok(a.raw.destroyed);
    } finally {
      a.close();
    }
    const b = await pair();
    try {
      const wrappedClosed = closed(b.wrapped);
      b.client.destroy();
      await wrappedClosed;
      assert.ok(b.wrapped.destroyed);
    } finally {
      b.close();
    }
    const c = await pair();
    try {
      const failed = new Promise<Error>((resolve) => c.wrapped.once('error', resolve));
      c.raw.destroy(new Error('boom'));
      assert.equal((await failed).message, 'boom');
      await closed(c.wrapped);
    } finally {
      c.client.destroy();
      c.close();
    }
  });

  it('pauses the socket while the reader does not read', async () => {
    const p = await pair();
    try {
      const payload = Buffer.alloc(16384, 1);
      const chunk = Buffer.concat([CONNECTION_PREFACE, ...Array.from({ length: 64 }, () => frame(FRAME_DATA, 0, 1, payload))]);
      p.client.write(chunk);
      // Nothing reads `wrapped`: it buffers up to its high-water mark, then the socket is paused.
      p.wrapped.pause();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(p.raw.isPaused(), 'socket paused');
      assert.ok(p.wrapped.readableLength < chunk.length, `buffered ${p.wrapped.readableLength} of ${chunk.length}`);
      // Reading drains it all.
      const got: Buffer[] = [];
      let total = 0;
      await new Promise<void>((resolve) => {
        p.wrapped.on('data', (b: Buffer) => {
          got.push(b);
          total += b.length;
          if (total >= chunk.length) resolve();
        });
        p.wrapped.resume();
      });
      assert.ok(Buffer.concat(got).equals(chunk));
      p.client.destroy();
    } finally {
      p.close();
    }
  });
});
