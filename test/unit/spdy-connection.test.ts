// The SPDY/3.1 connection state machine, client against server over loopback TCP.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { SpdyConnection, type SpdyStream } from '../../src/protocol/spdy/connection.js';
import { RstStatus, type Frame } from '../../src/protocol/spdy/frames.js';
import { FrameReader } from '../../src/protocol/spdy/framer.js';
import { FrameWriter } from '../../src/protocol/spdy/writer.js';
import { HeaderCompressor, HeaderDecompressor } from '../../src/protocol/spdy/zlib-headers.js';
import { readAll, socketPair } from '../support/socket-pair.js';

async function pair(serverOpts: { idleTimeoutMs?: number } = {}) {
  const { a, b, close } = await socketPair();
  const client = new SpdyConnection(a, { role: 'client' });
  const server = new SpdyConnection(b, { role: 'server', ...serverOpts });
  return { client, server, close };
}

/** A raw peer: writes frames, collects the frames it receives. */
async function rawPeer(serverOpts: { idleTimeoutMs?: number } = {}) {
  const { a, b, close } = await socketPair();
  const server = new SpdyConnection(b, { role: 'server', ...serverOpts });
  const writer = new FrameWriter(new HeaderCompressor());
  const received: Frame[] = [];
  const waiters: (() => void)[] = [];
  const reader = new FrameReader(new HeaderDecompressor(), (f) => {
    received.push(f);
    for (const w of waiters.splice(0)) w();
  });
  a.on('data', (c: Buffer) => reader.push(c));
  const next = async (pred: (f: Frame) => boolean): Promise<Frame> => {
    for (;;) {
      const f = received.find(pred);
      if (f) {
        received.splice(received.indexOf(f), 1);
        return f;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { server, socket: a, send: (f: Frame) => a.write(Buffer.concat(writer.encode(f))), next, close };
}

describe('SPDY connection', () => {
  it('opens a stream, exchanges data both ways and half-closes with FIN', async () => {
    const { client, server, close } = await pair();
    server.on('stream', (s: SpdyStream) => {
      assert.equal(s.header('streamType'), 'stdin');
      s.reply();
      void readAll(s).then((got) => s.end(`echo:${got.toString()}`));
    });
    const s = await client.openStream({ streamtype: 'stdin' });
    assert.equal(s.id, 1);
    s.end('hello');
    assert.equal((await readAll(s)).toString(), 'echo:hello');
    close();
  });

  it('moves 20 MB one way without any WINDOW_UPDATE (no flow control)', async () => {
    const { client, server, close } = await pair();
    const data = Buffer.alloc(20 << 20);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32BE(i, i);
    server.on('stream', (s: SpdyStream) => {
      s.reply();
      s.end(data);
    });
    const s = await client.openStream({ streamtype: 'stdout' });
    s.end();
    const got = await readAll(s);
    assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(data).digest('hex'));
    close();
  });

  it('answers PING by echoing it and resolves its own', async () => {
    const peer = await rawPeer();
    peer.send({ type: 'ping', id: 7 });
    assert.deepEqual(await peer.next((f) => f.type === 'ping'), { type: 'ping', id: 7 });
    const { client, close } = await pair();
    assert.ok((await client.ping()) >= 0);
    close();
    peer.close();
  });

  it('destroys a stream the peer resets, and resets what it destroys', async () => {
    const { client, server, close } = await pair();
    const accepted: SpdyStream[] = [];
    server.on('stream', (x: SpdyStream) => {
      x.reply();
      accepted.push(x);
    });
    const s = await client.openStream({ streamtype: 'data' });
    const remote = accepted[0] as SpdyStream;
    s.reset(RstStatus.CANCEL);
    await once(remote, 'close');
    assert.equal(remote.resetStatus, RstStatus.CANCEL);
    const s2 = await client.openStream({ streamtype: 'data' });
    (accepted[1] as SpdyStream).destroy();
    await once(s2, 'close');
    assert.equal(s2.resetStatus, RstStatus.CANCEL);
    close();
  });

  it('rejects openStream when the peer refuses it', async () => {
    const { client, server, close } = await pair();
    server.on('stream', (s: SpdyStream) => s.reset(RstStatus.REFUSED_STREAM));
    await assert.rejects(client.openStream({ streamtype: 'x' }), /reset \(status 3\)/);
    close();
  });

  it('refuses streams with the wrong id parity or going backwards', async () => {
    const peer = await rawPeer();
    peer.server.on('stream', (s: SpdyStream) => s.reply());
    peer.send({ type: 'syn_stream', streamId: 2, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: {} });
    assert.deepEqual(await peer.next((f) => f.type === 'rst_stream'), { type: 'rst_stream', streamId: 2, status: RstStatus.PROTOCOL_ERROR });
    peer.send({ type: 'syn_stream', streamId: 5, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: {} });
    await peer.next((f) => f.type === 'syn_reply' && f.streamId === 5);
    peer.send({ type: 'syn_stream', streamId: 3, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: {} });
    assert.deepEqual(await peer.next((f) => f.type === 'rst_stream'), { type: 'rst_stream', streamId: 3, status: RstStatus.PROTOCOL_ERROR });
    peer.close();
  });

  it('ignores SETTINGS and WINDOW_UPDATE', async () => {
    const peer = await rawPeer();
    peer.server.on('stream', (s: SpdyStream) => {
      s.reply();
      s.end('ok');
    });
    peer.send({ type: 'settings', clear: false, entries: [{ id: 7, flags: 0, value: 1 }] });
    peer.send({ type: 'window_update', streamId: 0, delta: 1 });
    peer.send({ type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, fin: true, unidirectional: false, headers: {} });
    const data = await peer.next((f) => f.type === 'data' && f.data.length > 0);
    assert.equal((data as { data: Buffer }).data.toString(), 'ok');
    peer.close();
  });

  it('sends GOAWAY on close; the peer stops opening streams', async () => {
    const { client, server, close } = await pair();
    const goaway = once(client, 'goaway');
    const closed = once(client, 'close');
    server.close();
    const [lastGood, status] = (await goaway) as [number, number];
    assert.equal(lastGood, 0);
    assert.equal(status, 0);
    await assert.rejects(client.openStream({}), /closing/);
    await closed;
    close();
  });

  it('answers a protocol violation with GOAWAY PROTOCOL_ERROR and closes', async () => {
    const peer = await rawPeer();
    const closed = once(peer.server, 'close');
    peer.socket.write(Buffer.from([0x80, 2, 0, 1, 0, 0, 0, 0]));
    assert.deepEqual(await peer.next((f) => f.type === 'goaway'), { type: 'goaway', lastGoodStreamId: 0, status: 1 });
    await closed;
    peer.close();
  });

  it('closes an idle connection after its idle timeout', async () => {
    const { client, server, close } = await pair({ idleTimeoutMs: 150 });
    const started = Date.now();
    await client.ping(); // activity resets the clock
    await Promise.all([once(server, 'timeout'), once(client, 'close')]);
    assert.ok(Date.now() - started >= 140);
    close();
  });

  it('serves many concurrent streams on one connection', async () => {
    const { client, server, close } = await pair();
    server.on('stream', (s: SpdyStream) => {
      s.reply();
      s.pipe(s);
    });
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const s = await client.openStream({ n: String(i) });
        s.end(Buffer.alloc(10_000 + i, i));
        return (await readAll(s)).length;
      }),
    );
    assert.deepEqual(results, Array.from({ length: 100 }, (_, i) => 10_000 + i));
    close();
  });
});
