// Throughput of exec stdout through the streaming server: 100 MB (default)
// through SPDY/3.1 and WebSocket into a discarding sink, Berth's own client.
// 1. the in-process test backend (a local child process): the streaming layer alone;
// 2. with --container (root, after `node scripts/build.mjs`): a real berthd,
//    pod and busybox container, `dd if=/dev/zero bs=1M count=MB` exec'd through
//    runc under the berth-stream helper.
//   node --import tsx bench/exec-throughput.ts [MB] [runs] [--container]
import { Writable } from 'node:stream';
import { ExecRequest } from '../src/api/gen/api.js';
import { Exec } from '../src/api/methods.js';
import { runExecClient, type Transport } from '../src/client/stream/exec-client.js';
import { createStreamingServer } from '../src/stream/server.js';
import { FakeStreamBackend } from '../test/support/fake-stream-backend.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const withContainer = process.argv.includes('--container');
const mb = Number(args[0] ?? 100);
const runs = Number(args[1] ?? 5);
const bytes = mb * 1024 * 1024;

/** One session to a URL; bytes and seconds. */
async function once(url: string, transport: Transport): Promise<{ seconds: number; received: number }> {
  let received = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      cb();
    },
  });
  const t0 = process.hrtime.bigint();
  const r = await runExecClient(url, { transport, stdout: sink, stderr: sink });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.exitCode !== 0) throw new Error(`exit code ${r.exitCode}`);
  return { seconds, received };
}

/** Median, min, max over `runs` sessions (after one warm-up); `url(n)` prepares a session producing n bytes. */
async function measure(label: string, transport: Transport, url: (n: number) => Promise<string>): Promise<void> {
  await once(await url(8 << 20), transport); // warm-up
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { seconds, received } = await once(await url(bytes), transport);
    if (received !== bytes) throw new Error(`received ${received} of ${bytes} bytes`);
    rates.push(mb / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] as number;
  console.log(`${label.padEnd(22)} ${transport.padEnd(9)} ${mb} MB exec stdout: median ${median.toFixed(0)} MB/s (min ${rates[0]?.toFixed(0)}, max ${rates.at(-1)?.toFixed(0)}; ${runs} runs)`);
}

// The producer alone, for reference: what the pipe from the child delivers without any protocol.
const floor = await (async () => {
  const { spawn } = await import('node:child_process');
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    const c = spawn('head', ['-c', String(bytes), '/dev/zero']);
    c.stdout.resume();
    c.on('close', () => resolve());
  });
  return Number(process.hrtime.bigint() - t0) / 1e9;
})();
console.log(`child pipe alone: ${(mb / floor).toFixed(0)} MB/s (${floor.toFixed(3)} s for ${mb} MB)`);

const backend = new FakeStreamBackend();
const server = await createStreamingServer({ streaming: { address: '127.0.0.1', port: 0, idle_timeout: '4h' } }, backend);
for (const transport of ['spdy', 'websocket'] as const) {
  await measure('test backend', transport, async (n) => server.prepareExec(ExecRequest.fromPartial({ containerId: 'c1', cmd: ['head', '-c', String(n), '/dev/zero'], stdout: true, stderr: true })).url);
}
await server.close();

if (withContainer) {
  const { startStreamEnv } = await import('../test/support/stream-env.js');
  const env = await startStreamEnv('bench-exec');
  try {
    const pod = await env.runPod();
    const id = await env.run(pod, 'bench', ['sleep', '100000']);
    for (const transport of ['spdy', 'websocket'] as const) {
      await measure('container (runc exec)', transport, async (n) => {
        const cmd = ['sh', '-c', `dd if=/dev/zero bs=${1 << 20} count=${n >> 20} 2>/dev/null`];
        return (await env.d.client.call(Exec, { containerId: id, cmd, tty: false, stdin: false, stdout: true, stderr: true })).url;
      });
    }
  } finally {
    await env.cleanup();
  }
}
