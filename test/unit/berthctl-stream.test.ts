// berthctl exec / attach / port-forward end to end without containers: a
// gRPC server with the real Exec/Attach/PortForward handlers and streaming
// server, backed by the in-process test backend; berthctl runs as a child
// process from source, as a user would run it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startGrpcServer, type Handlers, type RunningServer } from '../../src/api/server.js';
import { streamServiceHandlers } from '../../src/cri/stream-service.js';
import { createStreamingServer, type StreamingServer } from '../../src/stream/server.js';
import { splitCommand } from '../../src/cli/berthctl/verbs/exec.js';
import { parsePortSpec } from '../../src/cli/berthctl/verbs/port-forward.js';
import { silentLogger } from '../../src/util/log.js';
import { FakeStreamBackend } from '../support/fake-stream-backend.js';

const MAIN = resolve(import.meta.dirname, '../../src/cli/berthctl/main.ts');
let dir: string;
let socket: string;
let grpc: RunningServer;
let streaming: StreamingServer;

function berthctl(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const p = spawn(process.execPath, ['--import', 'tsx', MAIN, '-r', `unix://${socket}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.stdin.end(stdin);
    p.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berthctl-stream-'));
  socket = join(dir, 'cri.sock');
  const backend = new FakeStreamBackend();
  streaming = await createStreamingServer({ streaming: { address: '127.0.0.1', port: 0, idle_timeout: '4h' } }, backend);
  const handlers: Handlers = {
    ...streamServiceHandlers({ server: streaming, backend }),
    // Stands in for the container subsystem's ExecSync, to check how `exec -s` uses it.
    ExecSync: async (req) => ({ stdout: Buffer.from(`sync:${req.cmd.join(' ')}:${req.timeout}\n`), stderr: Buffer.from('e\n'), exitCode: 7 }),
  };
  grpc = await startGrpcServer({ socketPath: socket, handlers, maxMessageSize: 16 << 20, log: silentLogger });
});
after(async () => {
  await grpc.close();
  await streaming.close();
  await rm(dir, { recursive: true, force: true });
});

describe('berthctl exec', () => {
  it('prints exactly the output and propagates exit codes, over both transports', async () => {
    for (const transport of ['spdy', 'websocket']) {
      assert.deepEqual(await berthctl(['exec', '--transport', transport, 'c1', 'printf', 'hello']), { code: 0, stdout: 'hello', stderr: '' });
      const r = await berthctl(['exec', `--transport=${transport}`, 'c1', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.deepEqual(r, { code: 3, stdout: 'out\n', stderr: 'err\n' });
    }
  });

  it('-s runs ExecSync with the timeout and prints its output', async () => {
    assert.deepEqual(await berthctl(['exec', '-s', '--timeout', '9', 'c1', 'ls', '-l']), { code: 7, stdout: 'sync:ls -l:9\n', stderr: 'e\n' });
  });

  it('-i passes stdin through to EOF', async () => {
    assert.deepEqual(await berthctl(['exec', '-i', 'c1', 'cat'], 'piped\n'), { code: 0, stdout: 'piped\n', stderr: '' });
  });

  it('reports an unknown container as NotFound', async () => {
    const r = await berthctl(['exec', 'nope', 'true']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /container "nope" not found/);
  });

  it('--timeout cuts a long command', async () => {
    const r = await berthctl(['exec', '--timeout', '1', 'c1', 'sleep', '20']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /timed out after 1s/);
  });

  it('splits flags from the command and its own flags', () => {
    const s = splitCommand(['-it', '--timeout', '5', 'c1', 'ls', '-la', '--color']);
    assert.deepEqual([s.flags.interactive, s.flags.tty, s.flags.timeout, s.container, s.cmd], [true, true, 5, 'c1', ['ls', '-la', '--color']]);
    assert.deepEqual(splitCommand(['-s', '--', 'c1', '-x']).cmd, ['-x']);
    assert.throws(() => splitCommand(['c1']), /a command is required/);
  });
});

describe('berthctl attach', () => {
  it('-i sends stdin to the attached process and prints its output', async () => {
    assert.deepEqual(await berthctl(['attach', '-i', 'c1'], 'typed\n'), { code: 0, stdout: 'typed\n', stderr: '' });
  });
});

describe('berthctl port-forward', () => {
  let http: Server;
  before(async () => {
    http = createServer((req, res) => res.end(`page ${req.url}`));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  });
  after(() => http.close());

  it('parses [LOCAL:]REMOTE', () => {
    assert.deepEqual(parsePortSpec('8080:80'), { localPort: 8080, remotePort: 80 });
    assert.deepEqual(parsePortSpec('80'), { localPort: 80, remotePort: 80 });
    assert.deepEqual(parsePortSpec(':80'), { localPort: 0, remotePort: 80 });
    assert.throws(() => parsePortSpec('70000'), /not \[LOCAL_PORT:\]REMOTE_PORT/);
  });

  for (const transport of ['spdy', 'websocket']) {
    it(`forwards connections until interrupted (${transport})`, async () => {
      const remote = (http.address() as AddressInfo).port;
      const p = spawn(process.execPath, ['--import', 'tsx', MAIN, '-r', `unix://${socket}`, 'port-forward', '--transport', transport, 'pod1', `:${remote}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const local = await new Promise<number>((res, rej) => {
        p.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/.exec(out);
          if (m) res(Number(m[1]));
        });
        p.once('close', (code) => rej(new Error(`berthctl exited ${code}`)));
      });
      const get = (path: string): Promise<string> =>
        new Promise((res, rej) => {
          request({ host: '127.0.0.1', port: local, path, agent: false }, (r) => {
            let body = '';
            r.on('data', (c: Buffer) => (body += c.toString()));
            r.on('end', () => res(body));
          }).on('error', rej).end();
        });
      assert.deepEqual(await Promise.all([get('/a'), get('/b'), get('/c')]), ['page /a', 'page /b', 'page /c']);
      p.kill('SIGINT');
      const code = await new Promise<number | null>((res) => p.once('close', (c) => res(c)));
      assert.equal(code, 0);
    });
  }
});
