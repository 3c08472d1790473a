// The streaming server end to end, driven by Berth's own SPDY and WebSocket
// clients, with an in-process backend (local processes and sockets instead
// of containers). Protocol behaviour only: the same scenarios against real
// containers belong to the integration tests once the container backend lands.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { ExecRequest, AttachRequest, PortForwardRequest } from '../../src/api/gen/api.js';
import { streamServiceHandlers } from '../../src/cri/stream-service.js';
import { HEADER_ACCEPTED_VERSIONS, HEADER_PROTOCOL_VERSION } from '../../src/protocol/k8s/protocols.js';
import { ResizeQueue } from '../../src/protocol/k8s/resize-queue.js';
import { createStreamingServer, type StreamingServer } from '../../src/stream/server.js';
import { runExecClient, StreamSessionError, type Transport } from '../../src/client/stream/exec-client.js';
import { dialSpdy, UpgradeError } from '../../src/client/stream/spdy-dial.js';
import { dialWebSocket } from '../../src/client/stream/ws-dial.js';
import { forwardOverWebSocket, listenForwards, SpdyPortForwarder } from '../../src/client/stream/portforward-client.js';
import { BerthError, Code } from '../../src/util/errors.js';
import { FakeStreamBackend } from '../support/fake-stream-backend.js';

const clock = { t: 1_000_000, now(): number { return this.t; } };
const backend = new FakeStreamBackend();
let server: StreamingServer;

const exec = (cmd: string[], o: Partial<ExecRequest> = {}): string =>
  server.prepareExec(ExecRequest.fromPartial({ containerId: 'c1', cmd, stdout: true, stderr: true, ...o })).url;

/** Runs an exec through our client and collects its output. */
async function run(cmd: string[], o: { transport?: Transport; protocols?: string[]; stdin?: Readable; tty?: boolean; resize?: ResizeQueue; signal?: AbortSignal } = {}) {
  const url = exec(cmd, { stdin: !!o.stdin, tty: !!o.tty, stderr: !o.tty });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const result = await runExecClient(url, {
    transport: o.transport ?? 'spdy',
    stdout,
    ...(o.tty ? {} : { stderr }),
    ...(o.protocols ? { protocols: o.protocols } : {}),
    ...(o.stdin ? { stdin: o.stdin } : {}),
    ...(o.tty ? { tty: true } : {}),
    ...(o.resize ? { resize: o.resize } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { ...result, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** A raw HTTP upgrade request; returns the status and headers. */
function rawUpgrade(url: string, headers: Record<string, string | string[]>, method = 'POST'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  server = await createStreamingServer({ streaming: { address: '127.0.0.1', port: 0, idle_timeout: '4h' } }, backend, {
    clock,
    streamCreationTimeoutMs: 400,
  });
});
after(() => server.close());

describe('prepare and tokens', () => {
  it('hands out absolute URLs with host and port', () => {
    assert.match(exec(['true']), /^http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]{24}$/);
    assert.match(server.prepareAttach(AttachRequest.fromPartial({ containerId: 'c1', stdout: true })).url, /^http:\/\/127\.0\.0\.1:\d+\/attach\//);
    assert.match(server.preparePortForward(PortForwardRequest.fromPartial({ podSandboxId: 'pod1', port: [80] })).url, /\/portforward\//);
  });

  it('rejects tty with stderr, a missing command or container, and no stdio', () => {
    const bad = (o: Partial<ExecRequest>): void => {
      assert.throws(() => server.prepareExec(ExecRequest.fromPartial(o)), (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument);
    };
    bad({ containerId: 'c1', cmd: ['sh'], tty: true, stdout: true, stderr: true });
    bad({ containerId: 'c1', cmd: [], stdout: true });
    bad({ containerId: '', cmd: ['sh'], stdout: true });
    bad({ containerId: 'c1', cmd: ['sh'] });
    assert.throws(() => server.preparePortForward(PortForwardRequest.fromPartial({ podSandboxId: 'pod1', port: [0] })), /port 0/);
  });

  it('refuses a reused token', async () => {
    const url = exec(['true']);
    const io = { stdout: new PassThrough(), stderr: new PassThrough() };
    assert.equal((await runExecClient(url, io)).exitCode, 0);
    await assert.rejects(runExecClient(url, io), (e: unknown) => e instanceof UpgradeError && e.status === 404);
  });

  it('refuses an expired token (after 1 minute)', async () => {
    const url = exec(['true']);
    clock.t += 61_000;
    await assert.rejects(runExecClient(url, {}), (e: unknown) => e instanceof UpgradeError && e.status === 404);
  });

  it('bounds the tokens in flight (ResourceExhausted beyond)', async () => {
    const small = await createStreamingServer({ streaming: { address: '127.0.0.1', port: 0, idle_timeout: '4h' } }, backend, { maxTokens: 3, clock });
    try {
      for (let i = 0; i < 3; i++) small.prepareExec(ExecRequest.fromPartial({ containerId: 'c1', cmd: ['true'], stdout: true }));
      assert.throws(
        () => small.prepareExec(ExecRequest.fromPartial({ containerId: 'c1', cmd: ['true'], stdout: true })),
        (e: unknown) => e instanceof BerthError && e.code === Code.ResourceExhausted,
      );
      clock.t += 61_000; // expired tokens free their slots
      small.prepareExec(ExecRequest.fromPartial({ containerId: 'c1', cmd: ['true'], stdout: true }));
    } finally {
      await small.close();
    }
  });
});

describe('SPDY upgrade', () => {
  it('answers 400 without X-Stream-Protocol-Version', async () => {
    const r = await rawUpgrade(exec(['true']), { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' });
    assert.equal(r.status, 400);
    assert.match(r.body, /X-Stream-Protocol-Version is required/);
  });

  it('answers 403 with the accepted versions when none matches', async () => {
    const r = await rawUpgrade(exec(['true']), { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', [HEADER_PROTOCOL_VERSION]: 'v9.channel.k8s.io' });
    assert.equal(r.status, 403);
    assert.deepEqual(String(r.headers[HEADER_ACCEPTED_VERSIONS.toLowerCase()]).split(', '), ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']);
  });

  it('answers 400 to a request that is not an upgrade', async () => {
    const r = await rawUpgrade(exec(['true']), {}, 'GET');
    assert.equal(r.status, 400);
  });

  it('switches with 101, Upgrade: SPDY/3.1 and the chosen version (client order)', async () => {
    const r = await rawUpgrade(exec(['true']), { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', [HEADER_PROTOCOL_VERSION]: ['v3.channel.k8s.io', 'v4.channel.k8s.io'] });
    assert.equal(r.status, 101);
    assert.equal(r.headers.upgrade, 'SPDY/3.1');
    assert.equal(r.headers[HEADER_PROTOCOL_VERSION.toLowerCase()], 'v3.channel.k8s.io');
  });

  it('404 for an unknown path or token', async () => {
    const base = new URL(exec(['true'])).origin;
    assert.equal((await rawUpgrade(`${base}/exec/nope`, { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', [HEADER_PROTOCOL_VERSION]: 'v4.channel.k8s.io' })).status, 404);
    assert.equal((await rawUpgrade(`${base}/other/x`, {}, 'GET')).status, 404);
  });

  it('closes a connection whose streams never come (creation timeout)', async () => {
    const { conn } = await dialSpdy(exec(['sleep', '5']), ['v4.channel.k8s.io']);
    const started = Date.now();
    await once(conn, 'close');
    assert.ok(Date.now() - started >= 350, 'closed after the stream creation timeout');
    assert.equal(backend.execs.filter((e) => e.session.cmd[1] === '5').length, 0, 'nothing was run');
  });
});

for (const transport of ['spdy', 'websocket'] as const) {
  describe(`exec over ${transport}`, () => {
    it('returns exactly the output, nothing on stderr, exit 0', async () => {
      const r = await run(['printf', 'hello'], { transport });
      assert.equal(r.stdout, 'hello');
      assert.equal(r.stderr, '');
      assert.equal(r.exitCode, 0);
    });

    it('separates stderr and reports exit code 3', async () => {
      const r = await run(['sh', '-c', 'echo out; echo err >&2; exit 3'], { transport });
      assert.deepEqual([r.stdout, r.stderr, r.exitCode], ['out\n', 'err\n', 3]);
      assert.equal(r.protocol, transport === 'spdy' ? 'v4.channel.k8s.io' : 'v5.channel.k8s.io');
    });

    it('propagates stdin EOF (cat ends)', async () => {
      const r = await run(['cat'], { transport, stdin: Readable.from([Buffer.from('abc'), Buffer.from('def')]) });
      assert.deepEqual([r.stdout, r.exitCode], ['abcdef', 0]);
    });

    it('delivers terminal resizes with tty', async () => {
      const before = backend.resizes.length;
      const resize = new ResizeQueue();
      resize.push({ width: 80, height: 24 });
      const stdin = new PassThrough();
      const running = run(['cat'], { transport, tty: true, stdin, resize });
      await backend.waitForResizes(before + 1);
      resize.push({ width: 132, height: 43 });
      await backend.waitForResizes(before + 2);
      stdin.end('x');
      resize.end();
      const r = await running;
      assert.deepEqual(backend.resizes.slice(before), [{ width: 80, height: 24 }, { width: 132, height: 43 }]);
      assert.equal(r.stdout, 'x');
    });

    it('kills the process when the client disconnects', async () => {
      const ac = new AbortController();
      const n = backend.execs.length;
      const running = run(['sleep', '30'], { transport, signal: ac.signal });
      while (backend.execs.length === n) await new Promise((r) => setTimeout(r, 10));
      const started = backend.execs[n];
      assert.ok(started);
      ac.abort();
      await assert.rejects(running, StreamSessionError);
      await started.exited;
      assert.equal(started.session.signal.aborted, true);
      assert.equal(started.child.signalCode, 'SIGKILL');
    });

    it('moves 16 MB of stdout intact', async () => {
      const r = await run(['head', '-c', String(16 << 20), '/dev/zero'], { transport });
      assert.equal(r.stdout.length, 16 << 20);
    });

    it('reports a backend failure as an error, not an exit code', async () => {
      await assert.rejects(run(['/nonexistent/binary'], { transport }), (e: unknown) => e instanceof StreamSessionError && /ENOENT/.test(e.message));
    });
  });
}

describe('exec protocol versions', () => {
  it('v3 (SPDY): plain-text error carries the exit code', async () => {
    const r = await run(['sh', '-c', 'exit 3'], { protocols: ['v3.channel.k8s.io'] });
    assert.deepEqual([r.protocol, r.exitCode], ['v3.channel.k8s.io', 3]);
  });

  it('v2 (SPDY): no resize stream even with tty', async () => {
    const r = await run(['sh', '-c', 'printf v2'], { protocols: ['v2.channel.k8s.io'], tty: true, stdin: Readable.from([]), resize: new ResizeQueue() });
    assert.deepEqual([r.protocol, r.stdout, r.exitCode], ['v2.channel.k8s.io', 'v2', 0]);
  });

  it('channel.k8s.io (v1, SPDY) works', async () => {
    const r = await run(['printf', 'one'], { protocols: ['channel.k8s.io'] });
    assert.deepEqual([r.protocol, r.stdout], ['channel.k8s.io', 'one']);
  });

  it('WebSocket v4 binary and base64 report the exit code', async () => {
    for (const p of ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io']) {
      const r = await run(['sh', '-c', 'printf data; exit 4'], { transport: 'websocket', protocols: [p] });
      assert.deepEqual([r.protocol, r.stdout, r.exitCode], [p, 'data', 4]);
    }
  });

  it('WebSocket refuses unknown subprotocols with 403', async () => {
    await assert.rejects(dialWebSocket(exec(['true']), ['v9.channel.k8s.io']), (e: unknown) => e instanceof UpgradeError && e.status === 403);
  });

  it('closes an idle session after idle_timeout', async () => {
    const idle = await createStreamingServer({ streaming: { address: '127.0.0.1', port: 0, idle_timeout: '300ms' } }, backend);
    try {
      const n = backend.execs.length;
      const url = idle.prepareExec(ExecRequest.fromPartial({ containerId: 'c1', cmd: ['sleep', '20'], stdout: true }));
      await assert.rejects(runExecClient(url.url, { stdout: new PassThrough() }), StreamSessionError);
      assert.equal(backend.execs[n]?.session.signal.aborted, true);
    } finally {
      await idle.close();
    }
  });
});

describe('SPDY stdin as client-go drives it', () => {
  it('the server keeps its side of stdin open while the session runs (client-go stops sending input once it is ended)', async () => {
    const url = server.prepareExec(ExecRequest.fromPartial({ containerId: 'c1', cmd: ['cat'], stdin: true, stdout: true })).url;
    const { conn } = await dialSpdy(url, ['v4.channel.k8s.io']);
    try {
      // One at a time, each reply awaited, as client-go does.
      const error = await conn.openStream({ streamtype: 'error' });
      const stdin = await conn.openStream({ streamtype: 'stdin' });
      const stdout = await conn.openStream({ streamtype: 'stdout' });
      let stdinEndedByServer = false;
      stdin.on('end', () => (stdinEndedByServer = true));
      stdin.resume();
      const out: Buffer[] = [];
      stdout.on('data', (c: Buffer) => out.push(c));
      const errText: Buffer[] = [];
      error.on('data', (c: Buffer) => errText.push(c));
      // The ping's echo comes after anything the server sent on accepting the streams.
      await conn.ping();
      await new Promise((r) => setImmediate(r));
      assert.equal(stdinEndedByServer, false, 'stdin ended by the server before any input was sent');
      stdin.end('late input');
      await Promise.all([once(stdout, 'end'), once(error, 'end')]);
      assert.equal(Buffer.concat(out).toString(), 'late input');
      assert.match(Buffer.concat(errText).toString(), /"status":"Success"/);
    } finally {
      conn.close();
    }
  });
});

describe('attach', () => {
  it('echoes stdin through the attached process over SPDY and WebSocket', async () => {
    for (const transport of ['spdy', 'websocket'] as const) {
      const url = server.prepareAttach(AttachRequest.fromPartial({ containerId: 'c1', stdin: true, stdout: true, stderr: true })).url;
      const out = new PassThrough();
      let text = '';
      out.on('data', (c: Buffer) => (text += c.toString()));
      const r = await runExecClient(url, { transport, stdin: Readable.from([Buffer.from('ls\n')]), stdout: out, stderr: new PassThrough() });
      assert.deepEqual([text, r.exitCode], ['ls\n', 0]);
    }
  });
});

describe('port-forward', () => {
  const MB = 1 << 20;
  const download = randomBytes(50 * MB);
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  let http: Server;
  let podPort: number;

  before(async () => {
    http = createServer((req, res) => {
      if (req.url === '/big') {
        res.end(download);
        return;
      }
      if (req.url === '/upload') {
        const h = createHash('sha256');
        let n = 0;
        req.on('data', (c: Buffer) => {
          h.update(c);
          n += c.length;
        });
        req.on('end', () => res.end(`${n} ${h.digest('hex')}`));
        return;
      }
      res.end(`page ${req.url}`);
    });
    http.keepAliveTimeout = 100;
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    podPort = (http.address() as AddressInfo).port;
  });
  after(() => http.close());

  const get = (port: number, path: string, body?: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(Buffer.concat(parts)));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  it('SPDY: 20 parallel connections and 50 MB each way, intact', async () => {
    const fwd = await SpdyPortForwarder.dial(server.preparePortForward(PortForwardRequest.fromPartial({ podSandboxId: 'pod1' })).url);
    const errors: string[] = [];
    const local = await listenForwards([{ localPort: 0, remotePort: podPort }], '127.0.0.1', (s, p) => fwd.forward(s, p), (m) => errors.push(m));
    const port = (local.bound[0] as { localPort: number }).localPort;
    try {
      const pages = await Promise.all(Array.from({ length: 20 }, (_, i) => get(port, `/p${i}`)));
      assert.deepEqual(pages.map(String), Array.from({ length: 20 }, (_, i) => `page /p${i}`));
      const [down, up] = await Promise.all([get(port, '/big'), get(port, '/upload', download)]);
      assert.equal(sha(down), sha(download));
      assert.equal(up.toString(), `${download.length} ${sha(download)}`);
      assert.deepEqual(errors, []);
    } finally {
      local.close();
      fwd.close();
    }
  });

  it('SPDY: reports a refused connection on the error stream', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    closed.close();
    const fwd = await SpdyPortForwarder.dial(server.preparePortForward(PortForwardRequest.fromPartial({ podSandboxId: 'pod1' })).url);
    try {
      const socket = new PassThrough();
      await assert.rejects(fwd.forward(socket, deadPort), new RegExp(`error forwarding port ${deadPort} to pod pod1: .*ECONNREFUSED`));
    } finally {
      fwd.close();
    }
  });

  it('SPDY: refuses ports the request did not list', async () => {
    const fwd = await SpdyPortForwarder.dial(server.preparePortForward(PortForwardRequest.fromPartial({ podSandboxId: 'pod1', port: [1] })).url);
    try {
      await assert.rejects(fwd.forward(new PassThrough(), podPort), /was not requested/);
    } finally {
      fwd.close();
    }
  });

  it('WebSocket (channels, port prefix): one connection per URL', async () => {
    const newUrl = (): string => server.preparePortForward(PortForwardRequest.fromPartial({ podSandboxId: 'pod1', port: [podPort] })).url;
    const local = await listenForwards([{ localPort: 0, remotePort: podPort }], '127.0.0.1', (s, p) => forwardOverWebSocket(newUrl(), s, p), () => undefined);
    const port = (local.bound[0] as { localPort: number }).localPort;
    try {
      const pages = await Promise.all(Array.from({ length: 5 }, (_, i) => get(port, `/w${i}`)));
      assert.deepEqual(pages.map(String), Array.from({ length: 5 }, (_, i) => `page /w${i}`));
      assert.equal(sha(await get(port, '/big')), sha(download));
    } finally {
      local.close();
    }
  });

  it('WebSocket: ports from the query when the request lists none; the first message is the port', async () => {
    const url = server.preparePortForward(PortForwardRequest.fromPartial({ podSandboxId: 'pod1' })).url;
    const { ws, attached } = await dialWebSocket(`${url}?port=${podPort}`, ['v4.channel.k8s.io'], (socket) => new Promise<Buffer>((resolve) => socket.once('message', (m: Buffer) => resolve(m))));
    const first = await attached;
    assert.deepEqual([...first], [0, podPort & 0xff, podPort >> 8]);
    ws.close();
  });

  it('half-close: the pod sees EOF and still answers', async () => {
    const echo = createTcpServer({ allowHalfOpen: true });
    echo.on('connection', (s) => {
      const parts: Buffer[] = [];
      s.on('data', (c: Buffer) => parts.push(c));
      s.on('end', () => s.end(`got ${Buffer.concat(parts).length}`));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const fwd = await SpdyPortForwarder.dial(server.preparePortForward(PortForwardRequest.fromPartial({ podSandboxId: 'pod1' })).url);
    const local = await listenForwards([{ localPort: 0, remotePort: (echo.address() as AddressInfo).port }], '127.0.0.1', (s, p) => fwd.forward(s, p), () => undefined);
    try {
      const c = connect((local.bound[0] as { localPort: number }).localPort, '127.0.0.1');
      c.end(Buffer.alloc(12345));
      let reply = '';
      c.on('data', (b: Buffer) => (reply += b.toString()));
      await once(c, 'close');
      assert.equal(reply, 'got 12345');
    } finally {
      local.close();
      fwd.close();
      echo.close();
    }
  });
});

describe('CRI handlers', () => {
  const h = streamServiceHandlers({ server: { prepareExec: (r) => server.prepareExec(r), prepareAttach: (r) => server.prepareAttach(r), preparePortForward: (r) => server.preparePortForward(r) }, backend });
  const ctx = { signal: new AbortController().signal, method: 'Exec' as const };
  const code = (c: Code) => (e: unknown) => e instanceof BerthError && e.code === c;

  it('Exec: NotFound, FailedPrecondition, InvalidArgument, else an absolute URL', async () => {
    const req = (o: Partial<ExecRequest>) => ExecRequest.fromPartial({ cmd: ['true'], stdout: true, ...o });
    await assert.rejects(h.Exec!(req({ containerId: 'nope' }), ctx), code(Code.NotFound));
    await assert.rejects(h.Exec!(req({ containerId: 'stopped' }), ctx), code(Code.FailedPrecondition));
    await assert.rejects(h.Exec!(req({ containerId: 'c1', tty: true, stderr: true }), ctx), code(Code.InvalidArgument));
    const { url } = await h.Exec!(req({ containerId: 'c1' }), ctx);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
  });

  it('Attach and PortForward', async () => {
    await assert.rejects(h.Attach!(AttachRequest.fromPartial({ containerId: 'nope', stdout: true }), ctx), code(Code.NotFound));
    assert.match((await h.Attach!(AttachRequest.fromPartial({ containerId: 'c1', stdout: true }), ctx)).url, /\/attach\//);
    await assert.rejects(h.PortForward!(PortForwardRequest.fromPartial({ podSandboxId: 'nope' }), ctx), code(Code.NotFound));
    assert.match((await h.PortForward!(PortForwardRequest.fromPartial({ podSandboxId: 'pod1', port: [80] }), ctx)).url, /\/portforward\//);
  });
});
