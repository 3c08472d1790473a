// Drives bench/pod_shapes_client.py (Debian's python3-grpcio) one pod cycle
// at a time, so its calls interleave with the TypeScript client's in one
// series. The Python process times its own gRPC calls; this side only hands
// it the configs and reads the answers.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { ContainerConfig, PodSandboxConfig } from '../../src/api/gen/api.js';
import { REPO } from '../../test/support/daemon.js';
import { criPythonModules, DEBIAN_PYTHON } from '../../test/support/third-party.js';
import type { StartTiming, StopTiming } from './pod-cycle.js';

interface Answer {
  run: number;
  create: number;
  start: number;
  stop: number;
  remove: number;
  error?: string;
  ready?: boolean;
}

export class PythonPodClient {
  private readonly answers: AsyncIterator<string>;

  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    this.answers = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  }

  /** `targets`: name → unix socket path. */
  static async start(targets: Record<string, string>): Promise<PythonPodClient> {
    const modules = await criPythonModules();
    const args = [join(REPO, 'bench/pod_shapes_client.py'), modules, ...Object.entries(targets).map(([n, s]) => `${n}=${s}`)];
    const proc = spawn(DEBIAN_PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    const client = new PythonPodClient(proc);
    const first = await client.next();
    if (!first?.ready) throw new Error(`python client did not start: ${stderr}`);
    return client;
  }

  /** One pod: run + create + start, then stop + remove, timed by the Python client. */
  async cycle(target: string, pod: PodSandboxConfig, ctr: ContainerConfig): Promise<{ start: StartTiming; stop: StopTiming }> {
    this.proc.stdin.write(`${JSON.stringify({ target, pod: PodSandboxConfig.toJSON(pod), ctr: ContainerConfig.toJSON(ctr) })}\n`);
    const a = await this.next();
    if (!a || a.error) throw new Error(`python client, ${target}: ${a?.error ?? 'exited'}`);
    return {
      start: { total: a.run + a.create + a.start, run: a.run, create: a.create, start: a.start },
      stop: { total: a.stop + a.remove, stop: a.stop, remove: a.remove },
    };
  }

  close(): void {
    this.proc.stdin.end();
    this.proc.kill();
  }

  private async next(): Promise<Answer | undefined> {
    const r = await this.answers.next();
    return r.done ? undefined : (JSON.parse(r.value) as Answer);
  }
}
