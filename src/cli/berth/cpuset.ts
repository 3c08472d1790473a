// CPU lists as the kernel writes them ("0-3,6"): parsing, printing, and the
// set arithmetic behind pin/unpin.
import { readFileSync } from 'node:fs';

export function parseCpuList(text: string): number[] {
  const t = text.trim();
  if (t === '') return [];
  const out = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`invalid CPU list "${text}": use numbers and ranges like 0,1 or 0-3,6`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`invalid CPU range "${part}" in "${text}": the end is before the start`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

export function formatCpuList(cpus: readonly number[]): string {
  const s = [...new Set(cpus)].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && (s[j + 1] as number) === (s[j] as number) + 1) j++;
    parts.push(j === i ? String(s[i]) : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The node's online CPUs (the CLI runs on the node: the CRI socket is local). */
export function onlineCpus(path = '/sys/devices/system/cpu/online'): number[] {
  return parseCpuList(readFileSync(path, 'utf8'));
}

/** Every CPU of `cpus` must be online, or the kernel refuses the cpuset. */
export function checkOnline(cpus: readonly number[], online: readonly number[]): void {
  const bad = cpus.filter((c) => !online.includes(c));
  if (bad.length) throw new Error(`CPU ${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} not online on this node (online: ${formatCpuList(online)})`);
}

/** pin: the CPUs added to an explicitly set cpuset, or the set itself when none was set. */
export function pinned(current: string, add: readonly number[]): number[] {
  return [...new Set([...parseCpuList(current), ...add])].sort((x, y) => x - y);
}

/** unpin: the CPUs left; an unset cpuset counts as every online CPU. Empty = back to all CPUs. */
export function unpinned(current: string, remove: readonly number[], online: readonly number[]): number[] {
  const base = current.trim() === '' ? online : parseCpuList(current);
  return base.filter((c) => !remove.includes(c));
}
