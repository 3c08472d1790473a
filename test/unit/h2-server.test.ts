// The daemon's gRPC server (src/api/server.ts on our HTTP/2 server,
// src/api/h2-server.ts) spoken to by a hand-written HTTP/2 client: what old
// and new gRPC-Go clients send (socket-path :authority, Huffman, incremental
// indexing), bodies in several frames, answers larger than the client's
// windows, trailers-only errors, one write per unary answer, PING, and
// cancellation of a server stream.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerEventResponse, ListContainersRequest, ListContainersResponse, VersionRequest, VersionResponse } from '../../src/api/gen/api.js';
import { F, PREFACE, frame } from '../../src/api/h2-frames.js';
import { encodeLiteral } from '../../src/api/hpack.js';
import { GetContainerEvents, ListContainers, Version } from '../../src/api/methods.js';
import { startGrpcServer } from '../../src/api/server.js';
import { CriClient } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';
import { FRAME, GoLikeEncoder, grpcFrame, grpcRequestHeaders, headerValue, parseFrames, rawGrpcCall, RawH2Connection } from '../support/raw-h2.js';

const OLD_AUTHORITY = '/run/berth/berth.sock';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-h2s-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
let socketCount = 0;

interface Server {
  path: string;
  /** The signal of each GetContainerEvents call, to see it aborted. */
  eventSignals: AbortSignal[];
  close(): Promise<void>;
}

/** The daemon's server with three CRI methods standing in: an echo, a large answer, a stream. */
async function startServer(): Promise<Server> {
  const path = join(dir, `s${socketCount++}.sock`);
  const eventSignals: AbortSignal[] = [];
  const server = await startGrpcServer({
    socketPath: path,
    maxMessageSize: 16 << 20,
    log: silentLogger,
    handlers: {
      Version: async (req) => ({ version: `echo:${req.version}`, runtimeName: '', runtimeVersion: '', runtimeApiVersion: '' }),
      ListContainers: async (req) => ({
        containers: Array.from({ length: Number(req.filter?.id ?? '0') }, (_, i) => ({
          id: String(i).padStart(64, '0'),
          podSandboxId: 'p'.repeat(64),
          metadata: undefined,
          image: undefined,
          imageRef: '',
          state: 0,
          createdAt: 0n,
          labels: {},
          annotations: {},
          imageId: '',
        })),
      }),
      GetContainerEvents: async (_req, ctx, send) => {
        eventSignals.push(ctx.signal);
        send(ContainerEventResponse.fromPartial({ containerId: 'first' }));
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    },
  });
  return { path, eventSignals, close: () => server.close() };
}

const echoBody = (v: string): Uint8Array => VersionRequest.encode({ version: v }).finish();
const echoOf = (m: Uint8Array | undefined): string => VersionResponse.decode(m ?? new Uint8Array()).version;

describe('our HTTP/2 gRPC server', () => {
  it('answers a socket-path :authority, bodies in several DATA frames, and answers larger than the client\'s windows', async () => {
    const s = await startServer();
    try {
      for (const authority of [OLD_AUTHORITY, 'localhost']) {
        const r = await rawGrpcCall(s.path, Version.path, echoBody('hi'), authority);
        assert.equal(r.status, 200);
        assert.equal(r.grpcStatus, '0');
        assert.equal(echoOf(r.messages[0]), 'echo:hi');
      }
      const r2 = await rawGrpcCall(s.path, Version.path, echoBody('x'.repeat(60_000)), OLD_AUTHORITY);
      assert.equal(echoOf(r2.messages[0]).length, 60_005);
      // 3000 containers ≈ 400 KB: far over the 64 KiB the raw client starts with; it must give credit back.
      const r3 = await rawGrpcCall(s.path, ListContainers.path, ListContainersRequest.encode({ filter: { id: '3000', podSandboxId: '', labelSelector: {}, state: undefined } }).finish(), OLD_AUTHORITY);
      assert.equal(r3.grpcStatus, '0');
      assert.equal(ListContainersResponse.decode(r3.messages[0] ?? new Uint8Array()).containers.length, 3000);
    } finally {
      await s.close();
    }
  });

  it('reports unknown methods as trailers-only Unimplemented', async () => {
    const s = await startServer();
    try {
      const r = await rawGrpcCall(s.path, '/runtime.v1.RuntimeService/Nope', new Uint8Array(), OLD_AUTHORITY);
      assert.equal(r.status, 200);
      assert.equal(r.grpcStatus, String(Code.Unimplemented));
      assert.deepEqual(r.messages, []);
    } finally {
      await s.close();
    }
  });

  it('follows a gRPC-Go client\'s HPACK dynamic table across requests (Huffman, incremental indexing)', async () => {
    const s = await startServer();
    const conn = await RawH2Connection.open(s.path);
    try {
      const enc = new GoLikeEncoder();
      const b1 = enc.encode(grpcRequestHeaders(Version.path, OLD_AUTHORITY));
      assert.ok(b1.includes(encodeLiteral({ name: ':authority', value: OLD_AUTHORITY }, { indexing: 'incremental', huffman: true, nameIndex: 1 })));
      const answers = [];
      for (let i = 0; i < 5; i++) {
        // Every block after the first refers to the table for most fields.
        const block = i === 0 ? b1 : enc.encode(grpcRequestHeaders(Version.path, OLD_AUTHORITY));
        answers.push(await conn.request(1 + 2 * i, block, grpcFrame(echoBody(`n${i}`))));
      }
      for (const [i, r] of answers.entries()) {
        assert.equal(headerValue(r.headers, ':status'), '200');
        assert.equal(headerValue(r.trailers, 'grpc-status'), '0');
        assert.equal(echoOf(r.data.subarray(5)), `echo:n${i}`);
      }
    } finally {
      conn.close();
      await s.close();
    }
  });

  it('a unary answer (headers, message, trailers) leaves in one socket write; PING is answered', async () => {
    const s = await startServer();
    const socket: Socket = connect(s.path);
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const chunks: Buffer[] = [];
      socket.on('data', (b: Buffer) => chunks.push(b));
      const block = new GoLikeEncoder().encode(grpcRequestHeaders(Version.path, 'localhost'));
      socket.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(0)), frame(FRAME.PING, 0, 0, Buffer.from('12345678'))]));
      await waitUntil(() => Buffer.concat(chunks).includes(Buffer.from('12345678')));
      const before = chunks.length;
      socket.write(Buffer.concat([frame(FRAME.HEADERS, F.END_HEADERS, 1, block), frame(FRAME.DATA, F.END_STREAM, 1, grpcFrame(echoBody('one')))]));
      await waitUntil(() => parseFrames(Buffer.concat(chunks.slice(before))).some((f) => f.type === FRAME.HEADERS && (f.flags & F.END_STREAM) !== 0));
      const answer = chunks.slice(before);
      assert.equal(answer.length, 1, 'one read: one write');
      const frames = parseFrames(answer[0] as Buffer);
      assert.deepEqual(frames.map((f) => f.type), [FRAME.HEADERS, FRAME.DATA, FRAME.HEADERS]);
      const ping = parseFrames(Buffer.concat(chunks.slice(0, before)), false).find((f) => f.type === FRAME.PING);
      assert.equal(ping?.flags, F.ACK);
      assert.equal(ping?.payload.toString(), '12345678');
    } finally {
      socket.destroy();
      await s.close();
    }
  });

  it('a server stream sends as it goes; the client\'s cancel aborts the handler', async () => {
    const s = await startServer();
    const client = new CriClient(`unix://${s.path}`);
    try {
      const ac = new AbortController();
      const got: string[] = [];
      const done = client.stream(GetContainerEvents, {}, (m) => {
        got.push(m.containerId);
        ac.abort();
      }, { signal: ac.signal });
      await assert.rejects(done, /cancel/i);
      assert.deepEqual(got, ['first']);
      await waitUntil(() => s.eventSignals[0]?.aborted === true);
      // The connection serves on.
      assert.equal((await client.call(Version, { version: 'after' })).version, 'echo:after');
    } finally {
      client.close();
      await s.close();
    }
  });
});

async function waitUntil(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
