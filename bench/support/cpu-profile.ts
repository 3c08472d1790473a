// Where the machine's CPU time goes during a burst: `perf record -a` with the
// cpu-clock software event (samples both cores at a fixed rate, idle
// included), then each sample attributed to a component of the pod path by
// process and command name, split into user and kernel time.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const sh = promisify(execFile);

export const SAMPLE_HZ = 999;

export interface Recording {
  file: string;
  proc: ChildProcess;
}

/** Starts sampling both cores; stop with stopRecording once the burst is over. */
export async function startRecording(file: string): Promise<Recording> {
  const proc = spawn('perf', ['record', '-a', '-e', 'cpu-clock', '-F', String(SAMPLE_HZ), '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  // perf needs a moment to open its per-CPU buffers; samples before that are lost, not wrong.
  await new Promise((r) => setTimeout(r, 500));
  if (proc.exitCode !== null) throw new Error(`perf record exited: ${err}`);
  return { file, proc };
}

export async function stopRecording(r: Recording): Promise<void> {
  const done = new Promise<void>((res) => r.proc.once('exit', () => res()));
  r.proc.kill('SIGINT');
  await done;
}

/** The process ids the attribution needs to tell apart (all threads of each). */
export interface KnownProcesses {
  /** berthd, or containerd: the daemon under test. */
  daemon: { pid: number; name: string };
  /** The benchmark's own process (its client). */
  client: number;
}

/** Pure: the component a sample belongs to. */
export function component(pid: number, comm: string, known: KnownProcesses): string {
  if (pid === known.daemon.pid) return `${known.daemon.name} (all threads)`;
  if (pid === known.client) return 'bench client';
  if (pid === 0 || comm === 'swapper') return 'idle';
  // runc 1.1 re-executes itself (/proc/self/exe, a sealed memfd copy) to become the container's init.
  if (comm === 'runc:[2:INIT]' || comm === 'exe' || comm.startsWith('memfd:')) return 'runc init (container process before exec)';
  if (comm.startsWith('runc')) return 'runc (create/start/delete/kill, parent stages)';
  if (comm === 'conmon') return 'conmon';
  if (comm.startsWith('containerd-shim')) return 'containerd-shim-runc-v2';
  if (comm === 'containerd') return 'containerd children before exec (fork)';
  if (comm === 'node-MainThread' || comm === 'node') return 'berthd children before exec (fork)';
  if (/^(ip6?tables|xtables|iptables-)/.test(comm)) return 'iptables (from the bridge plugin)';
  if (['bridge', 'host-local', 'loopback', 'portmap'].includes(comm)) return `CNI ${comm}`;
  if (comm === 'berth-sys' || comm === 'berth-stream' || comm === 'berth-spawn') return comm;
  if (comm === 'catatonit' || comm === 'pause') return 'pause (catatonit -P)';
  if (comm === 'sleep') return 'container payload (sleep)';
  if (/^(kworker|ksoftirqd|rcu_|migration|kthreadd|jbd2|khugepaged|kcompactd|oom_reaper|cpuhp|watchdog)/.test(comm)) return 'kernel threads';
  if (comm === 'perf') return 'perf itself';
  return `other (${comm})`;
}

export interface CpuTable {
  seconds: number;
  /** component → [user s, kernel s] */
  rows: Map<string, [number, number]>;
}

/** Reads a recording back and totals CPU seconds per component. */
export async function attribute(file: string, known: KnownProcesses): Promise<CpuTable> {
  const { stdout } = await sh('perf', ['script', '-i', file, '-F', 'pid,comm,ip,dso', '--ns'], { maxBuffer: 1 << 30 });
  const rows = new Map<string, [number, number]>();
  let samples = 0;
  for (const line of stdout.split('\n')) {
    // "   comm  pid   ip (dso)": comm may contain spaces, so the pid is the first number-only word after it.
    const m = /^\s*(.+?)\s+(\d+)\s+([0-9a-f]+)\s+\((.*)\)\s*$/.exec(line);
    if (!m) continue;
    const [, comm = '', pidText = '0', ip = ''] = m;
    const key = component(Number(pidText), comm.trim(), known);
    // Kernel addresses are the top half of the 64-bit space.
    const kernel = ip.length === 16 && ip.startsWith('ffff') ? 1 : 0;
    const row = rows.get(key) ?? [0, 0];
    row[kernel] = (row[kernel] ?? 0) + 1 / SAMPLE_HZ;
    rows.set(key, row);
    samples++;
  }
  return { seconds: samples / SAMPLE_HZ / 2, rows };
}

/** Markdown rows: component, user s, kernel s, total s, share of the busy time. */
export function renderTable(t: CpuTable): string[] {
  const busy = [...t.rows.entries()].filter(([k]) => k !== 'idle').reduce((s, [, [u, k]]) => s + u + k, 0);
  const sorted = [...t.rows.entries()].sort((a, b) => b[1][0] + b[1][1] - (a[1][0] + a[1][1]));
  const out = ['| component | user s | kernel s | total s | share of busy |', '|---|---:|---:|---:|---:|'];
  for (const [k, [u, kk]] of sorted) {
    const share = k === 'idle' ? '' : `${(((u + kk) / busy) * 100).toFixed(1)} %`;
    out.push(`| ${k} | ${u.toFixed(2)} | ${kk.toFixed(2)} | ${(u + kk).toFixed(2)} | ${share} |`);
  }
  out.push(`| busy total (2 cores × ${t.seconds.toFixed(2)} s) | | | ${busy.toFixed(2)} | |`);
  return out;
}
