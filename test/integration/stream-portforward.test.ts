// Port-forward against a real pod through berthd: local listeners (the
// client's listenForwards) forward over SPDY (one connection, many stream
// pairs) or WebSocket (one URL per connection) to busybox httpd and nc in
// the pod's network namespace; node-network pods are dialled from berthd.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { ExecSync, PortForward } from '../../src/api/methods.js';
import { forwardOverWebSocket, listenForwards, SpdyPortForwarder } from '../../src/client/stream/portforward-client.js';
import type { Transport } from '../../src/client/stream/exec-client.js';
import { helpersRunning, startStreamEnv, waitFor, type StreamEnv } from '../support/stream-env.js';

const HTTP = 8080;
const SINK = 9000;
const BIG_MB = 50;
let env: StreamEnv;
let pod: Awaited<ReturnType<StreamEnv['runPod']>>;
let web: string;

before(async () => {
  env = await startStreamEnv('stream-pf');
  pod = await env.runPod();
  web = await env.run(pod, 'web', [
    'sh',
    '-c',
    `mkdir -p /www && echo hello-from-the-pod > /www/index.html && dd if=/dev/urandom of=/www/big bs=1M count=${BIG_MB} 2>/dev/null && touch /www/ready && exec httpd -f -p ${HTTP} -h /www`,
  ]);
  // The upload sink: nc exits at the client's EOF; a fifo keeps its stdin open (EOF there would end it early).
  await env.run(pod, 'sink', ['sh', '-c', `mkfifo /in; sleep 100000 > /in & nc -l -p ${SINK} < /in > /up; exec sleep 100000`]);
  await waitFor(async () => (await sh(web, 'test -f /www/ready && echo ok')).trim() === 'ok', 30_000, () => 'httpd not ready');
});

after(async () => {
  await env?.cleanup();
});

async function sh(containerId: string, script: string): Promise<string> {
  const r = await env.d.client.call(ExecSync, { containerId, cmd: ['sh', '-c', script], timeout: 60n });
  return Buffer.from(r.stdout).toString();
}

async function pfUrl(podId = pod.id, ports = [HTTP, SINK]): Promise<string> {
  return (await env.d.client.call(PortForward, { podSandboxId: podId, port: ports })).url;
}

/** Local listeners forwarding to the pod over one transport; close() ends them. */
async function forwarder(transport: Transport, podId = pod.id, ports = [HTTP, SINK]): Promise<{ port(remote: number): number; close(): void; errors: string[] }> {
  const errors: string[] = [];
  const spdy = transport === 'spdy' ? await SpdyPortForwarder.dial(await pfUrl(podId, ports)) : undefined;
  const forward = async (socket: Socket, remote: number): Promise<void> => {
    if (spdy) return spdy.forward(socket, remote);
    // Over WebSocket the server dials every port of the request: ask for this one only.
    return forwardOverWebSocket(await pfUrl(podId, [remote]), socket, remote);
  };
  const l = await listenForwards(ports.map((p) => ({ localPort: 0, remotePort: p })), '127.0.0.1', forward, (m) => errors.push(m));
  return {
    port: (remote) => l.bound.find((b) => b.remotePort === remote)?.localPort ?? 0,
    close: () => {
      l.close();
      spdy?.close();
    },
    errors,
  };
}

function httpGet(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('port-forward', () => {
  for (const transport of ['spdy', 'websocket'] as const) {
    it(`returns the page, 20 connections in parallel, 50 MB down intact (${transport})`, async () => {
      const f = await forwarder(transport);
      try {
        const page = await httpGet(f.port(HTTP), '/');
        assert.equal(page.status, 200);
        assert.equal(page.body.toString(), 'hello-from-the-pod\n');

        const pages = await Promise.all(Array.from({ length: 20 }, () => httpGet(f.port(HTTP), '/')));
        for (const p of pages) assert.equal(p.body.toString(), 'hello-from-the-pod\n');

        const big = await httpGet(f.port(HTTP), '/big');
        assert.equal(big.body.length, BIG_MB << 20);
        assert.equal(sha256(big.body), (await sh(web, 'sha256sum /www/big')).split(' ')[0]);
        assert.deepEqual(f.errors, []);
      } finally {
        f.close();
      }
    });
  }

  it('50 MB up intact (the client half-closes; nc in the pod sees EOF)', async () => {
    const f = await forwarder('spdy');
    try {
      const data = randomBytes(BIG_MB << 20);
      await new Promise<void>((resolve, reject) => {
        const sock = connect(f.port(SINK), '127.0.0.1');
        sock.on('error', reject);
        sock.on('close', () => resolve());
        sock.resume();
        sock.end(data);
      });
      const sink = (await env.d.client.call((await import('../../src/api/methods.js')).ListContainers, {})).containers.find((c) => c.metadata?.name === 'sink');
      assert.ok(sink);
      assert.deepEqual(f.errors, []);
      let size = '';
      await waitFor(async () => (size = (await sh(sink.id, 'wc -c < /up')).trim()) === String(BIG_MB << 20), 20_000, () => `upload incomplete: ${size} bytes`);
      assert.equal((await sh(sink.id, 'sha256sum /up')).split(' ')[0], sha256(data));
    } finally {
      f.close();
    }
  });

  it('a port nobody listens on: the client gets the error, for each transport', async () => {
    for (const transport of ['spdy', 'websocket'] as const) {
      const f = await forwarder(transport, pod.id, [9999]);
      try {
        await new Promise<void>((resolve) => {
          const sock = connect(f.port(9999), '127.0.0.1');
          sock.on('error', () => resolve());
          sock.on('close', () => resolve());
        });
        await waitFor(() => f.errors.length > 0, 5000, () => 'no error reported');
        assert.match(f.errors[0] ?? '', /network: port-forward to port 9999 of pod [0-9a-f]{64}: cannot connect to port 9999 in the pod: 127\.0\.0\.1: Connection refused/);
      } finally {
        f.close();
      }
    }
  });

  it('a node-network pod is dialled from the node', async () => {
    const hostPod = await env.runPod({ linux: { securityContext: { namespaceOptions: { network: 'NODE' } } } });
    const server = createServer((s) => s.end('from-the-node\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const f = await forwarder('spdy', hostPod.id, [port]);
    try {
      const got = await new Promise<string>((resolve, reject) => {
        const sock = connect(f.port(port), '127.0.0.1');
        let text = '';
        sock.on('data', (c: Buffer) => (text += c.toString()));
        sock.on('end', () => resolve(text));
        sock.on('error', reject);
      });
      assert.equal(got, 'from-the-node\n');
    } finally {
      f.close();
      server.close();
    }
  });

  it('no helper is left once the connections are done', async () => {
    let left: number[] = [];
    await waitFor(async () => (left = await helpersRunning()).length === 0, 5000, () => `helpers left: ${left}`);
  });
});
