// Memory of a runtime as the issue asks for it, shared by bench/memory.ts,
// bench/pod-startup.ts and bench/churn.ts: RSS and PSS of the daemon and of
// its per-pod helpers (Berth's conmons; containerd's shims and the pause
// processes they run). PSS divides each shared page by the number of
// processes mapping it, so a hundred conmons sharing libc and their own
// text are not counted a hundred times as RSS counts them.
import { readdir, readFile } from 'node:fs/promises';

export interface Mem {
  rssKiB: number;
  pssKiB: number;
}

/** RSS and PSS of one process from /proc/<pid>/smaps_rollup; zeros when it is gone. */
export async function memOf(pid: number): Promise<Mem> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  return {
    rssKiB: Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0),
    pssKiB: Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0),
  };
}

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  argv: string[];
}

async function processes(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const [stat, cmdline] = await Promise.all([
      readFile(`/proc/${p}/stat`, 'utf8').catch(() => ''),
      readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => ''),
    ]);
    // comm is in parentheses and may itself hold spaces or parentheses: the last ')' ends it.
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    out.push({ pid: Number(p), ppid, comm: stat.slice(stat.indexOf('(') + 1, close), argv: cmdline.split('\0').filter((a) => a !== '') });
  }
  return out;
}

/** Which processes are one runtime's per-pod helpers. */
export interface HelperSpec {
  /** Executable names (argv[0]'s last component) of the monitors or shims: 'conmon', 'containerd-shim-runc-v2'. */
  monitors: string[];
  /** A string their command line must hold, e.g. the test daemon's directory: other runtimes on the machine stay out. */
  marker: string;
  /** Names (comm) of pause processes, counted when a monitor is their parent. */
  pause: string[];
}

export const BERTH_HELPERS = (marker: string): HelperSpec => ({ monitors: ['conmon'], marker, pause: ['catatonit', 'pause'] });
export const CONTAINERD_HELPERS = (marker: string): HelperSpec => ({ monitors: ['containerd-shim-runc-v2', 'containerd-shim'], marker, pause: ['catatonit', 'pause'] });

export interface HelpersMem extends Mem {
  monitors: number;
  pauses: number;
  /** Per monitor process alone (RSS and PSS), for the per-pod design comparison. */
  monitorOnly: Mem;
}

/** Sums RSS and PSS over a runtime's monitors and the pause processes they are parents of. */
export async function helpersMem(spec: HelperSpec): Promise<HelpersMem> {
  const all = await processes();
  const base = (a: string | undefined): string => (a ?? '').split('/').pop() ?? '';
  const monitors = all.filter((p) => spec.monitors.includes(base(p.argv[0])) && p.argv.some((a) => a.includes(spec.marker)));
  const monitorPids = new Set(monitors.map((p) => p.pid));
  const pauses = all.filter((p) => monitorPids.has(p.ppid) && spec.pause.includes(p.comm));
  const sum = async (ps: Proc[]): Promise<Mem> => {
    const ms = await Promise.all(ps.map((p) => memOf(p.pid)));
    return ms.reduce((a, m) => ({ rssKiB: a.rssKiB + m.rssKiB, pssKiB: a.pssKiB + m.pssKiB }), { rssKiB: 0, pssKiB: 0 });
  };
  const monitorOnly = await sum(monitors);
  const pauseMem = await sum(pauses);
  return {
    monitors: monitors.length,
    pauses: pauses.length,
    monitorOnly,
    rssKiB: monitorOnly.rssKiB + pauseMem.rssKiB,
    pssKiB: monitorOnly.pssKiB + pauseMem.pssKiB,
  };
}

export const mib = (kib: number): string => (kib / 1024).toFixed(1);
