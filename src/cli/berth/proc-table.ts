// The processes of a container, read on this node: the cgroup of its init
// process (/proc/<pid>/cgroup) lists every process of the container
// (cgroup.procs, sub-cgroups included); each is described from
// /proc/<pid>/{stat,status,cmdline} in `ps -ef`'s columns. No `ps` is needed
// in the image, and the PIDs are the node's, as docker top shows them.
import { readFile } from 'node:fs/promises';
import { cgroupDir, cgroupPids } from '../../cgroups/process-cgroup.js';

export { cgroupDir, pidCount } from '../../cgroups/process-cgroup.js';

const CLK_TCK = 100; // USER_HZ on every Linux architecture Node runs on

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  ttyNr: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  /** Ticks after boot. */
  startTicks: number;
}

/** /proc/<pid>/stat: the command name may hold spaces and parentheses, so fields are counted after the last ')'. */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid: Number(f[1]),
    ttyNr: Number(f[4]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    startTicks: Number(f[19]),
  };
}

export function ttyName(ttyNr: number): string {
  if (ttyNr === 0) return '?';
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  return '?';
}

/** [DD-]HH:MM:SS of cumulative CPU time. */
export function cpuTime(ticks: number): string {
  const s = Math.floor(ticks / CLK_TCK);
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return d ? `${d}-${hms}` : hms;
}

function startText(startMs: number, nowMs: number): string {
  const d = new Date(startMs);
  if (nowMs - startMs < 86_400_000) return d.toTimeString().slice(0, 5);
  return `${d.toLocaleString('en-US', { month: 'short' })}${String(d.getDate()).padStart(2, '0')}`;
}

export async function processTable(initPid: number): Promise<string[][]> {
  const dir = cgroupDir(await readFile(`/proc/${initPid}/cgroup`, 'utf8'));
  if (!dir) throw new Error(`cannot tell the cgroup of PID ${initPid}`);
  const pids = [...new Set(await cgroupPids(dir))].sort((a, b) => a - b);
  const btime = Number(/^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'))?.[1] ?? 0);
  const users = await hostUsers();
  const now = Date.now();
  const rows = [['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']];
  for (const pid of pids) {
    try {
      const [stat, status, cmdline] = await Promise.all([
        readFile(`/proc/${pid}/stat`, 'utf8'),
        readFile(`/proc/${pid}/status`, 'utf8'),
        readFile(`/proc/${pid}/cmdline`, 'utf8'),
      ]);
      const s = parseStat(stat);
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
      const startMs = (btime + s.startTicks / CLK_TCK) * 1000;
      const elapsed = Math.max(1, (now - startMs) / 1000);
      const cmd = cmdline.split('\0').filter((x, i, a) => x !== '' || i < a.length - 1).join(' ').trim();
      rows.push([users.get(uid) ?? String(uid), String(pid), String(s.ppid), String(Math.floor((s.cpuTicks / CLK_TCK / elapsed) * 100)), startText(startMs, now), ttyName(s.ttyNr), cpuTime(s.cpuTicks), cmd || `[${s.comm}]`]);
    } catch {
      // exited while we looked
    }
  }
  return rows;
}

async function hostUsers(): Promise<Map<number, string>> {
  const text = await readFile('/etc/passwd', 'utf8').catch(() => '');
  return new Map(text.split('\n').map((l) => l.split(':')).filter((f) => f.length > 2).map((f) => [Number(f[2]), f[0] as string]));
}
