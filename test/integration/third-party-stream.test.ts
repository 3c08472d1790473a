// Exec, attach and port-forward through berthd with a client we did not
// write the transport of: test/clients/go/k8s-stream on Debian's
// github.com/docker/spdystream, driving the streams as client-go's executor
// does (the kubelet's and crictl's path): one stream at a time, each reply
// awaited; stdin silent until input has data, ended by an empty FIN frame;
// done when stdout/stderr hit EOF and the error stream was read to its end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Writable } from 'node:stream';
import { ContainerState } from '../../src/api/gen/api.js';
import { Attach, Exec, ExecSync, PortForward } from '../../src/api/methods.js';
import { helpersRunning, startStreamEnv, waitFor, type StreamEnv } from '../support/stream-env.js';
import { goClient, run, type Run } from '../support/third-party.js';

const HTTP = 8080;
let env: StreamEnv;
let pod: Awaited<ReturnType<StreamEnv['runPod']>>;
let sleeper: string;
let client: string;

interface Report {
  protocol?: string;
  httpStatus?: number;
  accepted?: string;
  status?: { status: string; reason?: string };
  exitCode?: number;
  errorText?: string;
  error?: string;
  forwards?: { port: number; requestID: number; reply: string; error?: string }[];
}

function report(r: Run): Report {
  assert.ok(r.report.trim(), `no report from the client (code ${r.code}): ${r.stderr}`);
  return JSON.parse(r.report) as Report;
}

before(async () => {
  [client, env] = await Promise.all([goClient('k8s-stream'), startStreamEnv('third-stream')]);
  pod = await env.runPod();
  sleeper = await env.run(pod, 'sleeper', ['sleep', '100000']);
});

after(async () => {
  await env?.cleanup();
});

async function execUrl(o: { cmd: string[]; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean; containerId?: string }): Promise<string> {
  return (await env.d.client.call(Exec, { containerId: o.containerId ?? sleeper, cmd: o.cmd, tty: !!o.tty, stdin: !!o.stdin, stdout: !!o.stdout, stderr: !!o.stderr })).url;
}

function flags(o: { stdin?: boolean; stdout?: boolean; stderr?: boolean; tty?: boolean }): string[] {
  return (['stdin', 'stdout', 'stderr', 'tty'] as const).filter((k) => o[k]).map((k) => `-${k}`);
}

/** Writes `line` repeatedly until `re` shows in the client's output (stdin and resize are separate streams). */
async function ask(stdin: Writable, text: () => string, line: string, re: RegExp): Promise<void> {
  for (let i = 0; i < 100 && !re.test(text()); i++) {
    stdin.write(line);
    await waitFor(() => re.test(text()), 200, () => '').catch(() => undefined);
  }
  assert.match(text(), re);
}

describe('exec (v4)', () => {
  it('stdout and stderr apart, the exit code from the v4 status', async () => {
    const r = await run(client, ['exec', '-stdout', '-stderr', await execUrl({ cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'], stdout: true, stderr: true })]);
    const rep = report(r);
    assert.equal(rep.protocol, 'v4.channel.k8s.io');
    assert.equal(rep.status?.reason, 'NonZeroExitCode');
    assert.equal(rep.exitCode, 7);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');

    const ok = await run(client, ['exec', '-stdout', await execUrl({ cmd: ['printf', 'hello'], stdout: true })]);
    assert.equal(ok.stdout, 'hello');
    assert.equal(report(ok).exitCode, 0);
  });

  it('stdin piped to cat arrives whole and its end is EOF', async () => {
    const url = await execUrl({ cmd: ['sh', '-c', 'cat; echo " eof"'], stdin: true, stdout: true });
    const r = await run(client, ['exec', '-stdin', '-stdout', url], { input: 'abc' });
    assert.equal(r.stdout, 'abc eof\n', r.stderr);
    assert.equal(report(r).exitCode, 0);
  });

  it('stdin that arrives late (after the session started) still reaches the process', async () => {
    const url = await execUrl({ cmd: ['sh', '-c', 'read line; echo "got $line"'], stdin: true, stdout: true });
    const r = await run(client, ['exec', '-stdin', '-stdout', url], {
      stdin: async (w) => {
        // The session runs once the helper is up; only then does input arrive (as from a person or a pipe with a pause).
        await waitFor(async () => (await helpersRunning()).length > 0, 10_000, () => 'exec session did not start');
        w.end('late\n');
      },
    });
    assert.equal(r.stdout, 'got late\n', r.stderr);
    assert.equal(report(r).exitCode, 0);
  });

  it('a tty shell: resize reaches stty size, exit code comes back', async () => {
    const url = await execUrl({ cmd: ['sh'], tty: true, stdin: true, stdout: true });
    let sizes: Writable | undefined;
    const r = await run(client, ['exec', '-stdin', '-stdout', '-tty', '-resize-fd', '4', url], {
      extraFds: 1,
      onExtraFds: ([fd]) => (sizes = fd),
      stdin: async (w, out) => {
        sizes?.write('100 30\n');
        await ask(w, out.text, 'stty size\n', /\r\n30 100\r\n/);
        sizes?.write('120 40\n');
        await ask(w, out.text, 'stty size\n', /\r\n40 120\r\n/);
        w.write('exit 3\n');
        sizes?.end();
      },
    });
    assert.equal(report(r).exitCode, 3, r.stdout);
  });

  it('a command that cannot start: Failure status with the runtime\'s message', async () => {
    const r = await run(client, ['exec', '-stdout', await execUrl({ cmd: ['no-such-binary'], stdout: true })]);
    const rep = report(r);
    assert.equal(rep.status?.status, 'Failure');
    assert.match(rep.errorText ?? '', /no-such-binary/);
  });
});

describe('older protocols, negotiated', () => {
  it('v3 / v2 / v1 (channel.k8s.io): output, and a non-zero exit as error text', async () => {
    for (const proto of ['v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']) {
      const ok = await run(client, ['exec', '-stdout', '-protocols', proto, await execUrl({ cmd: ['echo', proto], stdout: true })]);
      assert.equal(report(ok).protocol, proto);
      assert.equal(ok.stdout, `${proto}\n`);
      assert.equal(report(ok).exitCode, 0);
      const bad = await run(client, ['exec', '-stdout', '-protocols', proto, await execUrl({ cmd: ['sh', '-c', 'exit 4'], stdout: true })]);
      assert.match(report(bad).errorText ?? '', /4/, proto);
    }
  });

  it('a preference list is answered with the best common version; none in common is 403 naming the accepted ones', async () => {
    const r = await run(client, ['exec', '-stdout', '-protocols', 'v9.channel.k8s.io,v2.channel.k8s.io,v3.channel.k8s.io', await execUrl({ cmd: ['true'], stdout: true })]);
    assert.equal(report(r).protocol, 'v2.channel.k8s.io');
    const none = await run(client, ['exec', '-stdout', '-protocols', 'v9.channel.k8s.io', await execUrl({ cmd: ['true'], stdout: true })]);
    const rep = report(none);
    assert.equal(rep.httpStatus, 403);
    assert.match(rep.accepted ?? '', /v4\.channel\.k8s\.io/);
  });
});

describe('attach', () => {
  it('the crictl case: stdin piped with a pause, the output comes back, the end of stdin ends the session; the container keeps running', async () => {
    const id = await env.run(pod, 'attach-sh', ['sh'], { stdin: true });
    for (const round of [1, 2]) {
      const url = (await env.d.client.call(Attach, { containerId: id, stdin: true, tty: false, stdout: true, stderr: true })).url;
      const r = await run(client, ['attach', '-stdin', '-stdout', '-stderr', url], {
        stdin: async (w, out) => {
          await waitFor(async () => (await helpersRunning()).length > 0, 10_000, () => 'attach session did not start');
          w.write(`echo hello-attach-${round}; echo oops >&2\n`);
          await waitFor(() => out.text().includes(`hello-attach-${round}`) && out.errText().includes('oops'), 10_000, () => `no output: ${JSON.stringify(out.text())}`);
          w.end();
        },
      });
      assert.equal(r.stdout, `hello-attach-${round}\n`);
      assert.equal(r.stderr, 'oops\n');
      assert.equal(report(r).exitCode, 0);
      assert.equal(await env.state(id), ContainerState.CONTAINER_RUNNING);
    }
    await waitFor(async () => (await helpersRunning()).length === 0, 5000, () => 'attach helper left running');
  });

  it('stdin_once: the end of stdin closes the container\'s stdin; the output until its exit still arrives', async () => {
    const id = await env.run(pod, 'attach-once', ['sh', '-c', 'cat; echo bye'], { stdin: true, stdinOnce: true });
    const url = (await env.d.client.call(Attach, { containerId: id, stdin: true, tty: false, stdout: true, stderr: false })).url;
    const r = await run(client, ['attach', '-stdin', '-stdout', url], {
      stdin: async (w) => {
        await waitFor(async () => (await helpersRunning()).length > 0, 10_000, () => 'attach session did not start');
        w.end('once\n');
      },
    });
    assert.equal(r.stdout, 'once\nbye\n');
    assert.equal(report(r).exitCode, 0);
    await waitFor(async () => (await env.state(id)) === ContainerState.CONTAINER_EXITED, 10_000, () => 'container did not exit');
  });

  it('a tty container: resize reaches its terminal, typed commands answer', async () => {
    const id = await env.run(pod, 'attach-tty', ['sh'], { stdin: true, tty: true });
    const url = (await env.d.client.call(Attach, { containerId: id, stdin: true, tty: true, stdout: true, stderr: false })).url;
    let sizes: Writable | undefined;
    const r = await run(client, ['attach', '-stdin', '-stdout', '-tty', '-resize-fd', '4', url], {
      extraFds: 1,
      onExtraFds: ([fd]) => (sizes = fd),
      stdin: async (w, out) => {
        sizes?.write('90 25\n');
        await ask(w, out.text, 'stty size\n', /\r\n25 90\r\n/);
        sizes?.write('132 43\n');
        await ask(w, out.text, 'stty size\n', /\r\n43 132\r\n/);
        w.write('exit 0\n'); // the container ends, and with it the session
        sizes?.end();
      },
    });
    assert.equal(report(r).exitCode, 0, r.stdout);
    await waitFor(async () => (await env.state(id)) === ContainerState.CONTAINER_EXITED, 10_000, () => 'container did not exit');
  });

  it('output only (no stdin): the session lasts until the container exits', async () => {
    const id = await env.run(pod, 'attach-out', ['sh', '-c', 'while [ ! -e /go ]; do sleep 0.1; done; echo late-out; echo late-err >&2; exit 5']);
    const url = (await env.d.client.call(Attach, { containerId: id, stdin: false, tty: false, stdout: true, stderr: true })).url;
    const r = await run(client, ['attach', '-stdout', '-stderr', url], {
      stdin: async (w) => {
        await waitFor(async () => (await helpersRunning()).length > 0, 10_000, () => 'attach session did not start');
        await env.d.client.call(ExecSync, { containerId: id, cmd: ['touch', '/go'], timeout: 10n });
        w.end();
      },
    });
    assert.equal(r.stdout, 'late-out\n');
    assert.equal(r.stderr, 'late-err\n');
    assert.equal(report(r).exitCode, 0); // attach reports no exit code
  });
});

describe('port-forward', () => {
  it('concurrent requests on one connection, paired by requestID; a closed port is an error on its own pair only', async () => {
    const web = await env.run(pod, 'web', ['sh', '-c', `mkdir -p /www && echo hello-from-the-pod > /www/index.html && touch /www/ready && exec httpd -f -p ${HTTP} -h /www`]);
    await waitFor(async () => Buffer.from((await env.d.client.call(ExecSync, { containerId: web, cmd: ['sh', '-c', 'test -f /www/ready && echo ok'], timeout: 10n })).stdout).toString().trim() === 'ok', 30_000, () => 'httpd not ready');
    const url = (await env.d.client.call(PortForward, { podSandboxId: pod.id, port: [HTTP, 1] })).url;
    const get = `${HTTP}:GET /index.html HTTP/1.0\r\n\r\n`;
    const r = await run(client, ['portforward', '-req', get, '-req', get, '-req', '1:x', '-req', get, url]);
    const rep = report(r);
    assert.equal(rep.protocol, 'portforward.k8s.io');
    const f = rep.forwards ?? [];
    assert.equal(f.length, 4);
    for (const i of [0, 1, 3]) {
      assert.equal(f[i]?.error, undefined, `request ${i}: ${f[i]?.error}`);
      assert.match(f[i]?.reply ?? '', /^HTTP\/1\.[01] 200 OK\r\n[\s\S]*\r\n\r\nhello-from-the-pod\n$/, `request ${i}`);
    }
    assert.match(f[2]?.error ?? '', /1/, 'the closed port is reported on its error stream');
    assert.equal(f[2]?.reply, '');
    await waitFor(async () => (await helpersRunning()).length === 0, 5000, () => 'dial helpers left running');
  });
});
