// What `berth pull` shows per layer while berthd reports progress (WatchPull,
// Berth's own RPC beside the CRI): on a terminal one line per layer redrawn
// in place — state, bar, bytes, rate, ETA — as docker does; elsewhere one
// plain line whenever a layer changes state. Pure but for the rate memory:
// the caller writes the text.
import { LayerState, type PullProgress } from '../../api/gen/berth.js';
import { humanSize } from './docker-format.js';

const BAR = 30;
/** Rates average over this window so one slow chunk does not swing the ETA. */
const RATE_WINDOW_MS = 2000;

interface Sample {
  at: number;
  bytes: number;
}

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

function stateWord(s: LayerState): string {
  switch (s) {
    case LayerState.DOWNLOADING:
      return 'Downloading';
    case LayerState.DONE:
      return 'Pull complete';
    case LayerState.PRESENT:
      return 'Already exists';
    default:
      return 'Waiting';
  }
}

export function bar(done: number, total: number, width = BAR): string {
  if (total <= 0) return `[${' '.repeat(width)}]`;
  const filled = Math.min(width, Math.floor((done / total) * width));
  return `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(width - filled)}]`;
}

export function duration(secs: number): string {
  if (!Number.isFinite(secs)) return '--';
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class PullDisplay {
  private readonly samples = new Map<string, Sample[]>();
  private readonly printed = new Map<string, LayerState>();

  /** Bytes per second of one layer over the last RATE_WINDOW_MS (0 until two samples). */
  rate(digest: string, fetched: number, now: number): number {
    const list = this.samples.get(digest) ?? [];
    list.push({ at: now, bytes: fetched });
    while (list.length > 2 && now - (list[0] as Sample).at > RATE_WINDOW_MS) list.shift();
    this.samples.set(digest, list);
    const first = list[0] as Sample;
    const dt = (now - first.at) / 1000;
    return dt > 0 ? Math.max(0, (fetched - first.bytes) / dt) : 0;
  }

  /** Terminal lines, one per layer, then a total line. */
  lines(p: PullProgress, now: number): string[] {
    let total = 0;
    let fetched = 0;
    let rateSum = 0;
    const out = p.layers.map((l) => {
      const size = Number(l.size);
      const got = Math.min(Number(l.fetched), size);
      total += size;
      fetched += got;
      const head = `${shortDigest(l.digest)}: ${stateWord(l.state).padEnd(14)}`;
      if (l.state !== LayerState.DOWNLOADING) return l.state === LayerState.WAITING ? `${head} ${humanSize(size)}` : head.trimEnd();
      const r = this.rate(l.digest, got, now);
      rateSum += r;
      const eta = r > 0 ? duration((size - got) / r) : '--';
      return `${head} ${bar(got, size)} ${humanSize(got)}/${humanSize(size)}  ${humanSize(r)}/s  ETA ${eta}`;
    });
    if (p.layers.length > 0) {
      const eta = rateSum > 0 ? duration((total - fetched) / rateSum) : '--';
      out.push(`Total: ${humanSize(fetched)}/${humanSize(total)}  ${humanSize(rateSum)}/s  ETA ${eta}  (${duration(Number(p.elapsedMs) / 1000)} elapsed)`);
    }
    return out;
  }

  /** Plain output: the lines for layers whose state changed since the last call. */
  changes(p: PullProgress): string[] {
    const out: string[] = [];
    for (const l of p.layers) {
      if (this.printed.get(l.digest) === l.state) continue;
      this.printed.set(l.digest, l.state);
      const size = l.state === LayerState.DOWNLOADING || l.state === LayerState.WAITING ? ` ${humanSize(Number(l.size))}` : '';
      out.push(`${shortDigest(l.digest)}: ${stateWord(l.state)}${size}`);
    }
    return out;
  }
}
