// The timeline as a terminal reads it (`berth describe`): one line per event,
// and under each start its phases as bars on the call's own time scale, so
// where the time went (and which step failed) shows at a glance. Pure.
import type { TimelineEntry, TimelinePhase } from './timeline.js';

const BAR = 32;

function clock(at: number): string {
  return `${new Date(at).toISOString().slice(11, 23)}Z`;
}

function ms(n: number | undefined): string {
  if (n === undefined) return '?';
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`;
}

/** A bar of BAR cells: the phase's share of the whole call, at its offset. */
export function bar(startMs: number, durMs: number, totalMs: number): string {
  const scale = totalMs > 0 ? BAR / totalMs : 0;
  const from = Math.min(BAR - 1, Math.floor(startMs * scale));
  const len = Math.max(1, Math.min(BAR - from, Math.round(durMs * scale)));
  return `${' '.repeat(from)}${'█'.repeat(len)}${' '.repeat(BAR - from - len)}`;
}

function oneLine(s: string, max = 400): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function headline(e: TimelineEntry): string {
  const who = e.container ? `${e.container}#${e.attempt ?? 0}  ` : '';
  switch (e.kind) {
    case 'container exit':
      return `${who}exit code ${e.exitCode ?? '?'}${e.reason ? ` (${e.reason})` : ''}`;
    case 'image pull':
      return `${e.image ?? ''}  ${e.ok ? 'done' : 'FAILED'} in ${ms(e.ms)}, ${e.bytes ?? 0} bytes downloaded`;
    default:
      return `${who}${e.ok ? 'ok' : 'FAILED'} in ${ms(e.ms)}`;
  }
}

function phaseLines(phases: readonly TimelinePhase[], total: number): string[] {
  const nameWidth = Math.max(12, ...phases.map((p) => p.name.length + (p.parent ? 2 : 0)));
  const lines: string[] = [];
  // Each phase followed by the phases inside it (CNI plugins under cni).
  const byStart = [...phases].sort((a, b) => a.startMs - b.startMs);
  const top = byStart.filter((p) => !p.parent || !phases.some((q) => q.name === p.parent));
  const ordered = top.flatMap((p) => [p, ...byStart.filter((c) => c.parent === p.name)]);
  for (const p of ordered) {
    const label = (p.parent ? `  ${p.name.slice(p.name.indexOf('/') + 1)}` : p.name).padEnd(nameWidth);
    const when = `${p.startMs.toFixed(1).padStart(7)} +${p.ms.toFixed(1).padStart(7)} ms`;
    lines.push(`      ${label} |${bar(p.startMs, p.ms, total)}| ${when}${p.detail ? `  ${p.detail}` : ''}${p.error ? '  ✗' : ''}`);
    // The message once, at the deepest failing phase (cni fails because its plugin did).
    if (p.error && !phases.some((c) => c.parent === p.name && c.error)) lines.push(`      ${' '.repeat(nameWidth)}  ✗ ${oneLine(p.error.message)}`);
  }
  return lines;
}

/** The whole timeline, oldest first. */
export function renderTimeline(entries: readonly TimelineEntry[]): string {
  if (entries.length === 0) return 'Timeline\n  <nothing recorded>';
  const lines = ['Timeline'];
  const kindWidth = Math.max(...entries.map((e) => e.kind.length));
  for (const e of entries) {
    lines.push(`  ${clock(e.at)}  ${e.kind.padEnd(kindWidth)}  ${headline(e)}`);
    if (e.phases?.length) lines.push(...phaseLines(e.phases, Math.max(e.ms ?? 0, ...e.phases.map((p) => p.startMs + p.ms))));
    if (e.error && !e.phases?.some((p) => p.error)) lines.push(`      ✗ ${oneLine(e.error.message)}`);
  }
  return lines.join('\n');
}
