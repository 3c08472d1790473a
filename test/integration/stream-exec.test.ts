// Exec and attach against real containers through berthd: the Exec/Attach
// RPCs hand out URLs, Berth's own SPDY and WebSocket clients run the
// sessions (runc exec under the berth-stream helper; conmon's attach socket).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ContainerState } from '../../src/api/gen/api.js';
import { Attach, Exec } from '../../src/api/methods.js';
import { runExecClient, StreamSessionError, type Transport } from '../../src/client/stream/exec-client.js';
import { UpgradeError } from '../../src/client/stream/spdy-dial.js';
import { BERTHCTL, runCli } from '../support/daemon.js';
import { checkAttachTtyResize, helpersRunning, processesOf, SizeQueue, Sink, startStreamEnv, waitFor, type StreamEnv } from '../support/stream-env.js';

const TRANSPORTS: Transport[] = ['spdy', 'websocket'];
let env: StreamEnv;
let pod: Awaited<ReturnType<StreamEnv['runPod']>>;
let sleeper: string;
/** Handed out at the start, used at the end: older than the 1-minute token lifetime by then. */
let earlyUrl: { url: string; at: number };

before(async () => {
  env = await startStreamEnv('stream-exec');
  pod = await env.runPod();
  sleeper = await env.run(pod, 'sleeper', ['sleep', '100000']);
  earlyUrl = { url: (await exec({ cmd: ['true'], stdout: true })).url, at: Date.now() };
});

after(async () => {
  await env?.cleanup();
});

function exec(o: { cmd: string[]; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean; containerId?: string }) {
  return env.d.client.call(Exec, { containerId: o.containerId ?? sleeper, cmd: o.cmd, tty: !!o.tty, stdin: !!o.stdin, stdout: !!o.stdout, stderr: !!o.stderr });
}

describe('exec', () => {
  for (const transport of TRANSPORTS) {
    it(`without tty returns exactly the output, stderr apart, and the exit code (${transport})`, async () => {
      const { url } = await exec({ cmd: ['printf', 'hello'], stdout: true, stderr: true });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
      const out = new Sink();
      const err = new Sink();
      const r = await runExecClient(url, { transport, stdout: out, stderr: err });
      assert.equal(r.exitCode, 0);
      assert.equal(out.text, 'hello');
      assert.equal(err.text, '');

      const out2 = new Sink();
      const err2 = new Sink();
      const r2 = await runExecClient((await exec({ cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'], stdout: true, stderr: true })).url, { transport, stdout: out2, stderr: err2 });
      assert.equal(r2.exitCode, 7);
      assert.equal(out2.text, 'out\n');
      assert.equal(err2.text, 'err\n');
    });

    it(`stdin reaches the process and its end is EOF (${transport})`, async () => {
      const { url } = await exec({ cmd: ['sh', '-c', 'cat; echo " eof"'], stdin: true, stdout: true });
      const stdin = new PassThrough();
      const out = new Sink();
      const p = runExecClient(url, { transport, stdin, stdout: out });
      stdin.end('abc');
      const r = await p;
      assert.equal(r.exitCode, 0);
      assert.equal(out.text, 'abc eof\n');
    });

    it(`with tty and stdin runs an interactive shell: hello, then exit 3 (${transport})`, async () => {
      const { url } = await exec({ cmd: ['sh'], tty: true, stdin: true, stdout: true });
      const stdin = new PassThrough();
      const out = new Sink();
      const p = runExecClient(url, { transport, tty: true, stdin, stdout: out });
      stdin.write('echo hel""lo; exit 3\n');
      const r = await p;
      assert.equal(r.exitCode, 3);
      assert.match(out.text, /\r\nhello\r\n/); // the echo of the typed line has hel""lo
    });

    it(`with tty but no stdin the process sees no end-of-file (${transport})`, async () => {
      // An EOF (^D typed for it) would end the read at once; without one it waits out its second.
      const { url } = await exec({ cmd: ['sh', '-c', 'read -t 1 x; echo done'], tty: true, stdout: true });
      const out = new Sink();
      const t0 = Date.now();
      assert.equal((await runExecClient(url, { transport, tty: true, stdout: out, resize: new SizeQueue() })).exitCode, 0);
      assert.ok(Date.now() - t0 >= 900, `read ended after ${Date.now() - t0} ms`);
      assert.match(out.text, /done\r\n/);
    });

    it(`resize changes stty size inside (${transport})`, async () => {
      const { url } = await exec({ cmd: ['sh'], tty: true, stdin: true, stdout: true });
      const stdin = new PassThrough();
      const out = new Sink();
      const sizes = new SizeQueue();
      sizes.push({ width: 100, height: 30 });
      const p = runExecClient(url, { transport, tty: true, stdin, stdout: out, resize: sizes });
      // Resize and stdin are separate streams: ask until the answer shows the size.
      const ask = async (re: RegExp): Promise<void> => {
        for (let i = 0; i < 50 && !re.test(out.text); i++) {
          stdin.write('stty size\n');
          await out.waitFor(re, 200).catch(() => undefined);
        }
        assert.match(out.text, re);
      };
      await ask(/\r\n30 100\r\n/);
      sizes.push({ width: 120, height: 40 });
      await ask(/\r\n40 120\r\n/);
      stdin.write('exit 0\n');
      sizes.end();
      assert.equal((await p).exitCode, 0);
    });
  }

  it('the built berthctl exec streams the output and returns the exit code (both transports)', async () => {
    for (const transport of ['spdy', 'websocket']) {
      const r = await runCli(BERTHCTL, ['-r', env.d.endpoint, 'exec', '--transport', transport, sleeper.slice(0, 12), 'sh', '-c', 'printf hello; exit 5']);
      assert.equal(r.stdout, 'hello', r.stderr);
      assert.equal(r.code, 5, r.stderr);
    }
  });

  it('a command that cannot start is the session error, naming the runtime', async () => {
    const { url } = await exec({ cmd: ['no-such-binary'], stdout: true });
    await assert.rejects(runExecClient(url, { stdout: new Sink() }), (e: unknown) => {
      assert.ok(e instanceof StreamSessionError, String(e));
      assert.match(e.message, /runtime: exec in [0-9a-f]{64} failed: .*no-such-binary.*not found/);
      return true;
    });
  });

  for (const tty of [false, true]) {
    it(`a client that disconnects mid-exec leaves no process behind (tty ${tty})`, async () => {
      const before = await processesOf(sleeper);
      assert.equal(before.length, 1, `only the main process at first: ${before}`);
      // `yes` floods the output: the helper must not stay blocked on a pipe nobody reads any more.
      const { url } = await exec({ cmd: ['sh', '-c', 'sleep 300 & yes & echo ready; wait'], tty, stdout: true });
      const out = new Sink();
      const abort = new AbortController();
      const p = runExecClient(url, { tty, stdout: out, signal: abort.signal });
      await out.waitFor(/ready/);
      await waitFor(async () => (await processesOf(sleeper)).length === 4, 5000, () => 'sh, sleep and yes did not appear');
      abort.abort();
      await assert.rejects(p);
      // Promptly: a helper blocked on output nobody reads would only go after killExec's 2 s grace.
      await waitFor(async () => (await processesOf(sleeper)).length === 1, 3000, () => 'exec processes left in the container');
      await waitFor(async () => (await helpersRunning()).length === 0, 1500, () => 'berth-stream helper left running');
      assert.equal(await env.state(sleeper), ContainerState.CONTAINER_RUNNING);
    });
  }

});

describe('attach', () => {
  for (const transport of TRANSPORTS) {
    it(`to a sh container with stdin: a command written, its output read; detach keeps it running (${transport})`, async () => {
      const id = await env.run(pod, `attach-sh-${transport}`, ['sh'], { stdin: true });
      for (const round of [1, 2]) {
        const { url } = await env.d.client.call(Attach, { containerId: id, stdin: true, tty: false, stdout: true, stderr: true });
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/attach\//);
        const stdin = new PassThrough();
        const out = new Sink();
        const err = new Sink();
        const abort = new AbortController();
        const p = runExecClient(url, { transport, stdin, stdout: out, stderr: err, signal: abort.signal });
        stdin.write(`echo attached-$((${round}+2)); echo oops >&2\n`);
        await out.waitFor(new RegExp(`attached-${round + 2}\\n`));
        await err.waitFor(/oops\n/);
        abort.abort();
        await assert.rejects(p);
        assert.equal(await env.state(id), ContainerState.CONTAINER_RUNNING);
      }
    });
  }

  it('stdin_once: the end of the first attach closes the container stdin (sh exits)', async () => {
    const id = await env.run(pod, 'attach-once', ['sh'], { stdin: true, stdinOnce: true });
    const { url } = await env.d.client.call(Attach, { containerId: id, stdin: true, tty: false, stdout: true, stderr: false });
    const stdin = new PassThrough();
    const out = new Sink();
    const p = runExecClient(url, { stdin, stdout: out });
    stdin.write('echo once\n');
    await out.waitFor(/once\n/);
    stdin.end();
    assert.equal((await p).exitCode, 0); // the session ends with the container
    await waitFor(async () => (await env.state(id)) === ContainerState.CONTAINER_EXITED, 10_000, () => 'container did not exit');
  });

  it('to a tty container: resize reaches its terminal through the ctl fifo', async () => {
    const id = await env.run(pod, 'attach-tty', ['sh'], { stdin: true, tty: true });
    await checkAttachTtyResize(env, id, { width: 90, height: 25 });
  });
});

// Last: the token handed out in before() is past its minute by now (or soon).
describe('tokens', () => {
  it('a used token is refused; one older than a minute too', async () => {
    const { url } = await exec({ cmd: ['true'], stdout: true });
    assert.equal((await runExecClient(url, { stdout: new Sink() })).exitCode, 0);
    await assert.rejects(runExecClient(url, { stdout: new Sink() }), (e: unknown) => e instanceof UpgradeError && e.status === 404);
    const wait = earlyUrl.at + 61_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await assert.rejects(runExecClient(earlyUrl.url, { stdout: new Sink() }), (e: unknown) => e instanceof UpgradeError && e.status === 404);
  });
});
