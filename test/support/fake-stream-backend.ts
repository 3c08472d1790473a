// A StreamBackend for protocol tests, without containers: exec runs the
// command as a local child process (pipes; with tty, stderr is folded into
// stdout), attach echoes stdin to stdout like a `cat` main process, and
// port-forward dials 127.0.0.1:port on this host.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type { AttachSession, ExecSession, PortForwardSession, StreamBackend, TerminalSize } from '../../src/stream/backend.js';

export class FakeStreamBackend implements StreamBackend {
  readonly containers = new Map<string, { running: boolean }>([['c1', { running: true }], ['stopped', { running: false }]]);
  readonly pods = new Set(['pod1']);
  readonly resizes: TerminalSize[] = [];
  readonly execs: { session: ExecSession; child: ChildProcess; exited: Promise<void> }[] = [];
  readonly attaches: AttachSession[] = [];
  readonly forwards: PortForwardSession[] = [];
  private resizeWaiters: (() => void)[] = [];

  async exec(s: ExecSession): Promise<{ exitCode: number }> {
    const child = spawn(s.cmd[0] as string, s.cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let exitedResolve!: () => void;
    const exited = new Promise<void>((r) => (exitedResolve = r));
    this.execs.push({ session: s, child, exited });
    const kill = (): void => void child.kill('SIGKILL');
    s.signal.addEventListener('abort', kill, { once: true });
    if (s.stdin) s.stdin.pipe(child.stdin as NodeJS.WritableStream);
    else child.stdin?.end();
    child.stdin?.on('error', () => undefined); // EPIPE when the process exits before reading
    if (s.stdout) child.stdout?.pipe(s.stdout, { end: false });
    const err = s.tty ? s.stdout : s.stderr;
    if (err) child.stderr?.pipe(err, { end: false });
    if (s.resize) void this.watchResize(s.resize);
    try {
      const code = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (c, sig) => resolve(c ?? 128 + (sig === 'SIGKILL' ? 9 : 15)));
      });
      return { exitCode: code };
    } finally {
      s.signal.removeEventListener('abort', kill);
      exitedResolve();
    }
  }

  async attach(s: AttachSession): Promise<void> {
    this.attaches.push(s);
    if (s.resize) void this.watchResize(s.resize);
    if (!s.stdin) {
      await new Promise<void>((resolve) => s.signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    const stdin = s.stdin;
    if (s.stdout) stdin.pipe(s.stdout, { end: false });
    await new Promise<void>((resolve) => {
      stdin.once('end', () => resolve());
      s.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  async portForward(s: PortForwardSession): Promise<void> {
    this.forwards.push(s);
    await new Promise<void>((resolve, reject) => {
      const sock = connect(s.port, '127.0.0.1');
      let connected = false;
      sock.once('connect', () => {
        connected = true;
        s.stream.pipe(sock);
        sock.pipe(s.stream);
      });
      sock.once('error', (e) => (connected ? undefined : reject(e)));
      sock.once('close', () => resolve());
      s.signal.addEventListener('abort', () => sock.destroy(), { once: true });
    });
  }

  async containerExists(id: string): Promise<boolean> {
    return this.containers.has(id);
  }

  async containerRunning(id: string): Promise<boolean> {
    return this.containers.get(id)?.running === true;
  }

  async podExists(id: string): Promise<boolean> {
    return this.pods.has(id);
  }

  /** Resolves once `n` resize events have arrived in total. */
  async waitForResizes(n: number): Promise<void> {
    while (this.resizes.length < n) await new Promise<void>((r) => this.resizeWaiters.push(r));
  }

  private async watchResize(sizes: AsyncIterable<TerminalSize>): Promise<void> {
    for await (const s of sizes) {
      this.resizes.push(s);
      for (const w of this.resizeWaiters.splice(0)) w();
    }
  }
}
