// Starts a real berthd (the built dist/berthd.js) on private root/state/socket
// directories for an integration test, and tears it down afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, access, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CriClient } from '../../src/client/cri-client.js';
import { MONITOR_KINDS, type MonitorKind } from '../../src/oci/monitor-kind.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const BERTHD = join(REPO, 'dist/berthd.js');
export const BERTHCTL = join(REPO, 'dist/berthctl.cjs');
export const BERTH = join(REPO, 'dist/berth.cjs');
/** How long berthd may take to serve; the cgroup-v2 guest (emulated CPU) sets more through the environment. */
const START_TIMEOUT_MS = Number(process.env.BERTH_TEST_DAEMON_START_MS) || 10_000;

export interface DaemonOptions {
  /** Extra TOML appended to the generated config file. */
  toml?: string;
  /** Defaults to a private directory holding a copy of the default bridge config. */
  cniConfDir?: string;
  installDefaultNetwork?: boolean;
  env?: NodeJS.ProcessEnv;
  /** berthd's --log-level; tests keep 'debug' (every RPC logged), benchmarks use production's 'info'. */
  logLevel?: 'debug' | 'info';
  /**
   * [runtime] monitor, as a drop-in (so it composes with any `toml`).
   * Unset: $BERTH_TEST_MONITOR when set (runs a whole suite under berth-mon), else berthd's default.
   */
  monitor?: MonitorKind;
}

export interface TestDaemon {
  dir: string;
  root: string;
  state: string;
  socket: string;
  endpoint: string;
  configFile: string;
  cniConfDir: string;
  proc: ChildProcess;
  client: CriClient;
  /** Everything berthd wrote to stderr so far. */
  logs(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (crash) and wait. */
  kill(): Promise<void>;
  /** Stop if running and remove the directories. */
  cleanup(): Promise<void>;
}

export async function makeTestDir(prefix = 'berth-test-'): Promise<string> {
  const base = join(tmpdir(), 'berth-tests');
  await mkdir(base, { recursive: true });
  return mkdtemp(join(base, prefix));
}

export async function startDaemon(opts: DaemonOptions = {}): Promise<TestDaemon> {
  const dir = await makeTestDir();
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const socket = join(dir, 'berth.sock');
  const cniConfDir = opts.cniConfDir ?? join(dir, 'cni');
  const configFile = join(dir, 'berth.toml');
  await writeFile(
    configFile,
    `[network]\nconf_dir = "${cniConfDir}"\ninstall_default_config = ${opts.installDefaultNetwork ?? true}\n${opts.toml ?? ''}`,
  );
  const monitor = opts.monitor ?? testMonitorFromEnv();
  if (monitor) {
    await mkdir(join(dir, 'berth.d'), { recursive: true });
    await writeFile(join(dir, 'berth.d', '90-test-monitor.toml'), `[runtime]\nmonitor = "${monitor}"\n`);
  }
  return launch({ dir, root, state, socket, cniConfDir, configFile, env: opts.env, logLevel: opts.logLevel });
}

function testMonitorFromEnv(): MonitorKind | undefined {
  const v = process.env.BERTH_TEST_MONITOR;
  if (!v) return undefined;
  if (!(MONITOR_KINDS as readonly string[]).includes(v)) throw new Error(`BERTH_TEST_MONITOR must be one of ${MONITOR_KINDS.join(', ')}, not "${v}"`);
  return v as MonitorKind;
}

/** Starts berthd again on the same directories (restart after stop/kill); `env` e.g. arms a failpoint. */
export async function restartDaemon(d: TestDaemon, env?: NodeJS.ProcessEnv): Promise<TestDaemon> {
  return launch({ dir: d.dir, root: d.root, state: d.state, socket: d.socket, cniConfDir: d.cniConfDir, configFile: d.configFile, env });
}

interface LaunchArgs {
  dir: string;
  root: string;
  state: string;
  socket: string;
  cniConfDir: string;
  configFile: string;
  env?: NodeJS.ProcessEnv;
  logLevel?: 'debug' | 'info';
}

/** The node flags of dist/berthd.js's shebang (e.g. --max-semi-space-size=1): berthd runs here as it runs installed. */
export function shebangFlags(): string[] {
  const first = readFileSync(BERTHD, 'utf8').split('\n', 1)[0] ?? '';
  const words = first.replace(/^#!\S*env\s+(-S\s+)?/, '').split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((w) => w.startsWith('--'));
}

async function launch(a: LaunchArgs): Promise<TestDaemon> {
  const args = [...shebangFlags(), BERTHD, '--config', a.configFile, '--root', a.root, '--state', a.state, '--listen', `unix://${a.socket}`, '--log-level', a.logLevel ?? 'debug'];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...a.env } });
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`berthd exited with ${proc.exitCode}: ${stderr}`);
    await access(a.socket);
    return stderr.includes('berthd serving');
  }, START_TIMEOUT_MS, () => `berthd did not start: ${stderr}`);
  const client = new CriClient(`unix://${a.socket}`, 30_000);
  const d: TestDaemon = {
    ...a,
    endpoint: `unix://${a.socket}`,
    proc,
    client,
    logs: () => stderr,
    stop: async () => {
      client.close();
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      client.close();
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
    cleanup: async () => {
      await d.stop();
      await unmountUnder(a.dir);
      await rm(a.dir, { recursive: true, force: true });
    },
  };
  return d;
}

/** Unmounts everything mounted below `dir` (berthd's private <state>/ns mount, pod shm, pins), deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p): p is string => p !== undefined && p.startsWith(`${dir}/`))
    .sort((x, y) => y.length - x.length);
  for (const p of points) {
    await new Promise<void>((resolve) => spawn('umount', ['-l', p], { stdio: 'ignore' }).on('close', () => resolve()));
  }
}

/** Polls `check` until it returns true (errors count as not yet). */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      lastErr = e;
      if (e instanceof Error && e.message.startsWith('berthd exited')) throw e;
    }
    if (Date.now() > deadline) throw new Error(`${describe()}${lastErr ? ` (last error: ${String(lastErr)})` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs a built CLI and collects its output. */
export function runCli(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
