// Shared set-up of the streaming integration tests: a registry with the test
// images, a private CNI network, berthd, busybox pulled; pods and containers
// through the typed client; small stream utilities for the sessions.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { ContainerConfig, ContainerState } from '../../src/api/gen/api.js';
import {
  Attach,
  ContainerStatus,
  CreateContainer,
  ListPodSandbox,
  PullImage,
  RemovePodSandbox,
  RunPodSandbox,
  StartContainer,
} from '../../src/api/methods.js';
import { runExecClient } from '../../src/client/stream/exec-client.js';
import type { TerminalSize } from '../../src/protocol/k8s/resize.js';
import { makeTestDir, startDaemon, waitFor, type TestDaemon } from './daemon.js';
import type { MonitorKind } from '../../src/oci/monitor-kind.js';
import { DEFAULT_IMAGE_DIR } from './images/build.js';
import { makeTestNetwork, podConfig, type TestNetwork } from './pod-net.js';
import { imageRef, seedRegistry } from './registry/push.js';
import { startRegistry, type RunningRegistry } from './registry/registry.js';

export interface StreamEnv {
  /** Replaced by a test that restarts berthd (restartDaemon). */
  d: TestDaemon;
  busybox: string;
  runPod(over?: Record<string, unknown>): Promise<{ id: string; config: ReturnType<typeof podConfig> }>;
  /** Creates and starts a busybox container in the pod. */
  run(pod: { id: string; config: ReturnType<typeof podConfig> }, name: string, cmd: string[], over?: Record<string, unknown>): Promise<string>;
  state(id: string): Promise<ContainerState>;
  cleanup(): Promise<void>;
}

export async function startStreamEnv(tag: string, opts: { monitor?: MonitorKind } = {}): Promise<StreamEnv> {
  const reg: RunningRegistry = await startRegistry({ auth: 'none' });
  const images = await seedRegistry(reg, DEFAULT_IMAGE_DIR);
  const busybox = imageRef(reg.host, images.busybox);
  const dir = await makeTestDir(`berth-${tag}-`);
  const net: TestNetwork = await makeTestNetwork(dir);
  const d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: net.toml, ...(opts.monitor ? { monitor: opts.monitor } : {}) });
  await d.client.call(PullImage, { image: { image: busybox } });
  let seq = 0;
  const env: StreamEnv = {
    d,
    busybox,
    runPod: async (over = {}) => {
      const name = `${tag}-${process.pid}-${seq++}`;
      const config = podConfig(name, { logDirectory: join(dir, 'logs', name), ...over });
      const { podSandboxId } = await env.d.client.call(RunPodSandbox, { config });
      return { id: podSandboxId, config };
    },
    run: async (pod, name, cmd, over = {}) => {
      const config = ContainerConfig.fromJSON({ metadata: { name, attempt: 0 }, image: { image: busybox }, command: cmd, logPath: `${name}.log`, ...over });
      const { containerId } = await env.d.client.call(CreateContainer, { podSandboxId: pod.id, config, sandboxConfig: pod.config });
      await env.d.client.call(StartContainer, { containerId });
      return containerId;
    },
    state: async (id) => (await env.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status?.state ?? ContainerState.CONTAINER_UNKNOWN,
    cleanup: async () => {
      const { items } = await env.d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
      for (const p of items) await env.d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
      await env.d.cleanup();
      await net.cleanup();
      await reg.stop();
    },
  };
  return env;
}

/** A Writable that keeps everything written, with a way to wait for some text. */
export class Sink extends Writable {
  private parts: Buffer[] = [];
  private waiters: (() => void)[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.parts.push(chunk);
    for (const w of this.waiters.splice(0)) w();
    cb();
  }

  get buffer(): Buffer {
    return Buffer.concat(this.parts);
  }

  get text(): string {
    return this.buffer.toString();
  }

  async waitFor(re: RegExp, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!re.test(this.text)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in ${JSON.stringify(this.text.slice(-500))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

/** An AsyncIterable of terminal sizes the test pushes into. */
export class SizeQueue implements AsyncIterable<TerminalSize> {
  private items: TerminalSize[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  push(size: TerminalSize): void {
    this.items.push(size);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TerminalSize> {
    for (;;) {
      const next = this.items.shift();
      if (next) yield next;
      else if (this.ended) return;
      else await new Promise<void>((r) => (this.wake = r));
    }
  }
}

/** Host pids whose cgroup path mentions the container id (cgroupfs: berth-<id>). */
export async function processesOf(containerId: string): Promise<number[]> {
  const out: number[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cg = await readFile(`/proc/${p}/cgroup`, 'utf8').catch(() => '');
    if (cg.includes(containerId)) out.push(Number(p));
  }
  return out;
}

/** berth-stream helpers still running (for any session), by pid. */
export async function helpersRunning(): Promise<number[]> {
  const out: number[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    if (cmd.split('\0')[0]?.endsWith('berth-stream')) out.push(Number(p));
  }
  return out;
}

export { waitFor };

/**
 * Attaches to a running tty `sh` (created with stdin and tty), sends one
 * resize and checks `stty size` answers it through the pty; detaching leaves
 * the container running. Shared by the conmon and berth-mon suites, which must
 * behave alike here.
 */
export async function checkAttachTtyResize(env: StreamEnv, id: string, size: TerminalSize): Promise<void> {
  const { url } = await env.d.client.call(Attach, { containerId: id, stdin: true, tty: true, stdout: true, stderr: false });
  const stdin = new PassThrough();
  const out = new Sink();
  const sizes = new SizeQueue();
  sizes.push(size);
  const abort = new AbortController();
  const p = runExecClient(url, { tty: true, stdin, stdout: out, resize: sizes, signal: abort.signal });
  const answer = new RegExp(`\\r\\n${size.height} ${size.width}\\r\\n`);
  for (let i = 0; i < 50 && !answer.test(out.text); i++) {
    stdin.write('stty size\n');
    await out.waitFor(answer, 200).catch(() => undefined);
  }
  assert.match(out.text, answer);
  abort.abort();
  await assert.rejects(p);
  assert.equal(await env.state(id), ContainerState.CONTAINER_RUNNING);
}
