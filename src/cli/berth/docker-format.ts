// Docker's output shapes: 12-digit IDs, "5 minutes ago", "Up 2 hours" /
// "Exited (0) 3 seconds ago", quoted and shortened commands, port lists,
// and tables laid out as docker's tabwriter does (min width 10, padding 3).
import { ContainerState, type ContainerStatus } from '../../api/gen/api.js';
import { humanDuration } from '../berthctl/verbs/pod-format.js';
import type { PortMapping } from './run-options.js';

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export function ago(ns: bigint, nowMs: number): string {
  return `${humanDuration(nowMs - Number(ns / 1_000_000n))} ago`;
}

export function statusText(s: Pick<ContainerStatus, 'state' | 'startedAt' | 'finishedAt' | 'exitCode'>, nowMs: number): string {
  switch (s.state) {
    case ContainerState.CONTAINER_CREATED:
      return 'Created';
    case ContainerState.CONTAINER_RUNNING:
      return `Up ${humanDuration(nowMs - Number(s.startedAt / 1_000_000n))}`;
    case ContainerState.CONTAINER_EXITED:
      return `Exited (${s.exitCode}) ${ago(s.finishedAt, nowMs)}`;
    default:
      return 'Unknown';
  }
}

/** docker ps's COMMAND: shortened to 20 characters (…), then quoted. */
export function commandText(argv: readonly string[], noTrunc = false): string {
  let s = argv.join(' ');
  if (!noTrunc && [...s].length > 20) s = `${[...s].slice(0, 19).join('')}…`;
  return JSON.stringify(s);
}

/** "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp" */
export function portsText(ports: readonly PortMapping[]): string {
  return ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', ');
}

/** Go's tabwriter as docker configures it: cells padded to max(10, widest + 3), the last column not padded. */
export function dockerTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, width(c))));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(Math.max(10, (widths[i] ?? 0) + 3) - width(c)))).join(''))
    .join('\n');
}

/** Display width: code points (the tables hold ASCII, "…" and block characters). */
function width(s: string): number {
  let n = 0;
  for (const ch of s) if (ch !== '\x1b') n++;
  return n;
}

/** docker's human sizes (go-units HumanSizeWithPrecision 3 digits: kB, MB, GB — decimal). */
export { humanSize } from '../berthctl/verbs/image-format.js';

/** Binary sizes as docker stats prints them: "1.5MiB", "256MiB", "7.6GiB". */
export function binarySize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i] as string}`;
}
