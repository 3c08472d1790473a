// berth-mon ([runtime] monitor = "berth-mon") through the real stack:
// berthd → berth-mon → runc. What Berth needs from a monitor — the CRI log
// with partial lines, exit codes, attach with stdin, resize, log reopen — and
// that containers, their logs and their exits survive a berthd crash. The
// wider suites run under it with BERTH_TEST_MONITOR=berth-mon.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readlink, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ContainerState } from '../../src/api/gen/api.js';
import { Attach, ContainerStatus, ReopenContainerLog, StopContainer } from '../../src/api/methods.js';
import { runExecClient } from '../../src/client/stream/exec-client.js';
import { restartDaemon } from '../support/daemon.js';
import { checkAttachTtyResize, Sink, startStreamEnv, waitFor, type StreamEnv } from '../support/stream-env.js';

let env: StreamEnv;
let pod: Awaited<ReturnType<StreamEnv['runPod']>>;

before(async () => {
  env = await startStreamEnv('berth-mon', { monitor: 'berth-mon' });
  pod = await env.runPod();
});

after(async () => {
  await env?.cleanup();
});

async function status(id: string) {
  const s = (await env.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status;
  assert.ok(s);
  return s;
}

async function waitExited(id: string) {
  await waitFor(async () => (await status(id)).state === ContainerState.CONTAINER_EXITED, 15_000, () => `container ${id} did not exit`);
  return status(id);
}

/** The container's monitor process (its pid file keeps conmon's name). */
async function monitorOf(id: string): Promise<{ pid: number; exe: string }> {
  const pid = Number((await readFile(join(env.d.state, 'containers', id, 'conmon-pidfile'), 'utf8')).trim());
  return { pid, exe: basename(await readlink(`/proc/${pid}/exe`)) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Log lines without their timestamps: "<stream> <tag> <text>". */
async function logBody(path: string): Promise<string[]> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] /, `log line "${l}"`);
  return lines.map((l) => l.slice(l.indexOf(' ') + 1));
}

describe('berth-mon', () => {
  it('is the monitor: a static process of its own, not conmon; logs F and P lines, closes a trailing piece, reports the exit code', async () => {
    const id = await env.run(pod, 'printer', ['sh', '-c', 'echo hello; echo oops >&2; printf piece; sleep 0.2; printf more; exit 3']);
    const s = await waitExited(id);
    assert.equal(s.exitCode, 3);
    assert.equal(s.reason, 'Error');
    assert.ok(s.finishedAt >= s.startedAt && s.startedAt > 0n);
    const body = await logBody(s.logPath);
    assert.deepEqual(body.filter((l) => l.startsWith('stderr')), ['stderr F oops']);
    // Each read of the pipe is logged as it comes: the pieces may be split further, but in order and closed by an F.
    const out = body.filter((l) => l.startsWith('stdout'));
    assert.equal(out[0], 'stdout F hello');
    assert.equal(out.at(-1), 'stdout F ');
    assert.ok(out.slice(1, -1).every((l) => l.startsWith('stdout P ')));
    assert.equal(out.slice(1, -1).map((l) => l.slice('stdout P '.length)).join(''), 'piecemore');
  });

  it('a running container is watched by berth-mon; death by signal is 128+signal', async () => {
    const id = await env.run(pod, 'sleeper', ['sleep', '100000']);
    const mon = await monitorOf(id);
    assert.equal(mon.exe, 'berth-mon');
    await env.d.client.call(StopContainer, { containerId: id, timeout: 10n });
    const s = await waitExited(id);
    assert.equal(s.exitCode, 143); // SIGTERM
    await waitFor(async () => !alive(mon.pid), 5000, () => 'berth-mon stayed after its container exited');
  });

  it('attach: stdin reaches the container, stdout and stderr come back apart; detach keeps it running', async () => {
    const id = await env.run(pod, 'attach-sh', ['sh'], { stdin: true });
    const { url } = await env.d.client.call(Attach, { containerId: id, stdin: true, tty: false, stdout: true, stderr: true });
    const stdin = new PassThrough();
    const out = new Sink();
    const err = new Sink();
    const abort = new AbortController();
    const p = runExecClient(url, { stdin, stdout: out, stderr: err, signal: abort.signal });
    stdin.write('echo attached-$((1+2)); echo oops >&2\n');
    await out.waitFor(/attached-3\n/);
    await err.waitFor(/oops\n/);
    abort.abort();
    await assert.rejects(p);
    assert.equal(await env.state(id), ContainerState.CONTAINER_RUNNING);
    const body = await logBody((await status(id)).logPath);
    assert.ok(body.includes('stdout F attached-3') && body.includes('stderr F oops'), body.join('\n'));
  });

  it('stdin_once: the end of the first attach closes the container\'s stdin (sh exits 0)', async () => {
    const id = await env.run(pod, 'attach-once', ['sh'], { stdin: true, stdinOnce: true });
    const { url } = await env.d.client.call(Attach, { containerId: id, stdin: true, tty: false, stdout: true, stderr: false });
    const stdin = new PassThrough();
    const out = new Sink();
    const p = runExecClient(url, { stdin, stdout: out });
    stdin.write('echo once\n');
    await out.waitFor(/once\n/);
    stdin.end();
    assert.equal((await p).exitCode, 0);
    assert.equal((await waitExited(id)).exitCode, 0);
  });

  it('a tty container: output through the pty, resize through the ctl fifo', async () => {
    const id = await env.run(pod, 'attach-tty', ['sh'], { stdin: true, tty: true });
    await checkAttachTtyResize(env, id, { width: 91, height: 26 });
  });

  it('ReopenContainerLog: the new file exists on return; the renamed one gets nothing more', async () => {
    const id = await env.run(pod, 'ticker', ['sh', '-c', 'i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.05; done']);
    const log = (await status(id)).logPath;
    await waitFor(async () => (await readFile(log, 'utf8').catch(() => '')).includes('tick-2'), 5000, () => 'no ticks');
    await rename(log, `${log}.1`);
    await env.d.client.call(ReopenContainerLog, { containerId: id });
    await stat(log);
    const frozen = (await stat(`${log}.1`)).size;
    await waitFor(async () => (await readFile(log, 'utf8')).includes('tick-'), 5000, () => 'nothing in the reopened log');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await stat(`${log}.1`)).size, frozen);
  });

  it('berthd killed: containers keep running and logging under the same monitor; exits while it is down are reported after the restart; attach and reopen still work', async () => {
    const ticker = await env.run(pod, 'survivor', ['sh', '-c', 'i=0; while true; do echo alive-$i; i=$((i+1)); sleep 0.05; done']);
    const shell = await env.run(pod, 'survivor-sh', ['sh'], { stdin: true });
    const quitter = await env.run(pod, 'quitter', ['sh', '-c', 'sleep 1; echo bye; exit 5']);
    const log = (await status(ticker)).logPath;
    const monitors = await Promise.all([ticker, shell, quitter].map(monitorOf));
    await env.d.kill();
    const sizeAtKill = (await stat(log)).size;
    await waitFor(async () => (await stat(log)).size > sizeAtKill + 100, 5000, () => 'the log stopped growing with berthd down');
    await new Promise((r) => setTimeout(r, 1500)); // the quitter exits meanwhile
    assert.ok(alive(monitors[0]!.pid) && alive(monitors[1]!.pid), 'a monitor died with berthd');
    env.d = await restartDaemon(env.d);

    assert.equal(await env.state(ticker), ContainerState.CONTAINER_RUNNING);
    const q = await waitExited(quitter);
    assert.equal(q.exitCode, 5);
    assert.ok((await logBody(q.logPath)).includes('stdout F bye'));

    const { url } = await env.d.client.call(Attach, { containerId: shell, stdin: true, tty: false, stdout: true, stderr: true });
    const stdin = new PassThrough();
    const out = new Sink();
    const abort = new AbortController();
    const p = runExecClient(url, { stdin, stdout: out, stderr: new Sink(), signal: abort.signal });
    stdin.write('echo after-restart\n');
    await out.waitFor(/after-restart\n/);
    abort.abort();
    await assert.rejects(p);

    await rename(log, `${log}.1`);
    await env.d.client.call(ReopenContainerLog, { containerId: ticker });
    await waitFor(async () => (await readFile(log, 'utf8')).includes('alive-'), 5000, () => 'nothing in the reopened log');

    await env.d.client.call(StopContainer, { containerId: ticker, timeout: 0n });
    assert.equal((await waitExited(ticker)).exitCode, 137); // SIGKILL
    await waitFor(async () => !alive(monitors[0]!.pid), 5000, () => 'berth-mon stayed after its container exited');
  });
});
