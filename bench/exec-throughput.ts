// Throughput of exec stdout through the streaming server: 100 MB (default)
// from `head -c N /dev/zero`, through SPDY/3.1 and WebSocket, into a sink.
// Uses the in-process test backend (a local child process) until the
// container backend lands; then point it at a real container.
//   node --import tsx bench/exec-throughput.ts [MB] [runs]
import { Writable } from 'node:stream';
import { ExecRequest } from '../src/api/gen/api.js';
import { runExecClient, type Transport } from '../src/client/stream/exec-client.js';
import { createStreamingServer } from '../src/stream/server.js';
import { FakeStreamBackend } from '../test/support/fake-stream-backend.js';

const mb = Number(process.argv[2] ?? 100);
const runs = Number(process.argv[3] ?? 5);
const bytes = mb * 1024 * 1024;

const backend = new FakeStreamBackend();
const server = await createStreamingServer({ streaming: { address: '127.0.0.1', port: 0, idle_timeout: '4h' } }, backend);

async function once(transport: Transport, cmd: string[]): Promise<{ seconds: number; received: number }> {
  const { url } = server.prepareExec(ExecRequest.fromPartial({ containerId: 'c1', cmd, stdout: true, stderr: true }));
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

for (const transport of ['spdy', 'websocket'] as const) {
  await once(transport, ['head', '-c', String(8 << 20), '/dev/zero']); // warm-up
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { seconds, received } = await once(transport, ['head', '-c', String(bytes), '/dev/zero']);
    if (received !== bytes) throw new Error(`received ${received} of ${bytes} bytes`);
    rates.push(mb / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] as number;
  console.log(`${transport.padEnd(9)} ${mb} MB exec stdout: median ${median.toFixed(0)} MB/s (min ${rates[0]?.toFixed(0)}, max ${rates.at(-1)?.toFixed(0)}; ${runs} runs)`);
}
await server.close();
