// Typed wrapper of an OCI runtime's command line (runc and crun share it).
// Every call goes through runTool: timeout, stderr captured, errors naming the
// 'runtime' layer and the command.
import { BerthError, Code } from '../util/errors.js';
import { runTool, type ToolResult } from '../util/run-tool.js';
import type { CgroupWarmer } from '../cgroups/warmer.js';

export type OciStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface OciState {
  ociVersion: string;
  id: string;
  pid: number;
  status: OciStatus;
  bundle: string;
  created?: string;
  annotations?: Record<string, string>;
}

export interface OciRuntimeOptions {
  /** Handler name from the config (runc, crun, …), for messages. */
  name: string;
  /** Resolved binary path. */
  path: string;
  /** The runtime's --root state directory. */
  root: string;
  timeoutMs?: number;
  /** Global cgroup flags from src/cgroups (--systemd-cgroup): on every call, harmless where runc reads its state. */
  cgroupArgs?: readonly string[];
  /** Held while this runtime moves a process into a container's cgroups (create, exec). */
  warmer?: CgroupWarmer;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export class OciRuntime {
  constructor(readonly opts: OciRuntimeOptions) {}

  /** Global arguments every invocation carries. */
  get globalArgs(): string[] {
    return [`--root=${this.opts.root}`, ...(this.opts.cgroupArgs ?? [])];
  }

  async state(id: string): Promise<OciState> {
    try {
      const r = await this.run(['state', id]);
      return JSON.parse(r.stdout) as OciState;
    } catch (e) {
      if (isNotExist(e)) throw new BerthError(Code.NotFound, 'runtime', `${this.opts.name}: container ${id} does not exist`);
      throw e;
    }
  }

  /** undefined when the runtime does not know the container. */
  async stateOrUndefined(id: string): Promise<OciState | undefined> {
    try {
      return await this.state(id);
    } catch (e) {
      if (e instanceof BerthError && e.code === Code.NotFound) return undefined;
      throw e;
    }
  }

  async start(id: string): Promise<void> {
    await this.run(['start', id]);
  }

  /** Sends a signal (name or number) to the init process, or to all processes with `all`. */
  async kill(id: string, signal: string | number, opts: { all?: boolean } = {}): Promise<void> {
    await this.run(['kill', ...(opts.all ? ['--all'] : []), id, String(signal)]);
  }

  /** Deletes the runtime's state; `force` kills a running container first. Missing containers are fine. */
  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    try {
      await this.run(['delete', ...(opts.force ? ['--force'] : []), id]);
    } catch (e) {
      if (isNotExist(e)) return;
      throw e;
    }
  }

  /** Applies an OCI LinuxResources object to a running container. */
  async update(id: string, resources: object): Promise<void> {
    await this.run(['update', '--resources', '-', id], JSON.stringify(resources));
  }

  /**
   * Checkpoints a running container with CRIU into `imagePath` (CRIU's logs in
   * `workPath`); with `leaveRunning` the container keeps running afterwards.
   */
  async checkpoint(id: string, o: { imagePath: string; workPath: string; leaveRunning: boolean; timeoutMs?: number }): Promise<void> {
    const args = ['checkpoint', `--image-path=${o.imagePath}`, `--work-path=${o.workPath}`, ...(o.leaveRunning ? ['--leave-running'] : []), id];
    await runTool({ layer: 'runtime', cmd: this.opts.path, args: [...this.globalArgs, ...args], timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id]);
  }

  async list(): Promise<OciState[]> {
    const r = await this.run(['list', '--format', 'json']);
    const parsed = JSON.parse(r.stdout || 'null') as OciState[] | null;
    return parsed ?? [];
  }

  private run(args: string[], input?: string): Promise<ToolResult> {
    return runTool({
      layer: 'runtime',
      cmd: this.opts.path,
      args: [...this.globalArgs, ...args],
      timeoutMs: this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      input,
    });
  }
}

function isNotExist(e: unknown): boolean {
  return e instanceof BerthError && /does not exist|not found|no such file/i.test(e.message);
}
