// Pulling with something to look at. The CRI's PullImage reports nothing
// until it is done, so beside it berth opens berthd's own WatchPull stream
// (proto/berth.proto) and shows per-layer progress: on a terminal, lines
// redrawn in place (bytes, rate, ETA); elsewhere a plain line per layer state
// change. A runtime without WatchPull (containerd, CRI-O) gets a spinner.
import type { PullProgress } from '../../api/gen/berth.js';
import { ImageStatus, PullImage, WatchPull } from '../../api/methods.js';
import type { CliContext } from '../common/cli-context.js';
import { humanSize } from './docker-format.js';
import { wrapError } from './errors.js';
import { PullDisplay } from './pull-display.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** A pull may take long; the transport needs a finite deadline. */
const PULL_DEADLINE_MS = 3_600_000;
/** After PullImage answers, how long the last progress report may take to arrive. */
const LAST_REPORT_MS = 500;

export interface PullResult {
  imageRef: string;
  size: number;
  repoDigest: string;
  repoTags: string[];
  ms: number;
}

export async function pullWithProgress(ctx: CliContext, image: string, out: NodeJS.WriteStream = process.stderr): Promise<PullResult> {
  const started = Date.now();
  const live = out.isTTY === true;
  const display = new PullDisplay();
  let last: PullProgress | undefined;
  let drawn = 0;
  let frame = 0;
  const draw = (): void => {
    const lines = last && last.layers.length > 0 ? display.lines(last, Date.now()) : [`${FRAMES[frame++ % FRAMES.length] as string} Pulling ${image} … ${((Date.now() - started) / 1000).toFixed(1)}s`];
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const l of lines) text += `\r\x1b[K${l}\n`;
    for (let i = lines.length; i < drawn; i++) text += '\r\x1b[K\n';
    drawn = Math.max(drawn, lines.length);
    out.write(text);
  };
  if (!live) out.write(`Pulling ${image}\n`);
  const ac = new AbortController();
  const onReport = (p: PullProgress): void => {
    last = p;
    if (!live) for (const l of display.changes(p)) out.write(`${l}\n`);
  };
  // Not a failure when the runtime has no WatchPull: only the progress is missing.
  const watching = ctx.image.stream(WatchPull, { image }, onReport, { signal: ac.signal, timeoutMs: PULL_DEADLINE_MS }).catch(() => undefined);
  const timer = live ? setInterval(draw, 100) : undefined;
  if (live) draw();
  let imageRef: string;
  try {
    imageRef = (await ctx.image.call(PullImage, { image: { image } }, { timeoutMs: PULL_DEADLINE_MS })).imageRef;
    await Promise.race([watching, new Promise((r) => setTimeout(r, LAST_REPORT_MS))]);
  } catch (e) {
    throw wrapError(`pulling ${image}`, e);
  } finally {
    ac.abort();
    if (timer) clearInterval(timer);
    if (live && last && last.layers.length > 0) draw();
    else if (live) out.write(`\x1b[${drawn}A\r\x1b[K`);
  }
  const ms = Date.now() - started;
  const img = (await ctx.image.call(ImageStatus, { image: { image: imageRef } })).image;
  const repoDigest = img?.repoDigests[0] ?? '';
  const size = Number(img?.size ?? 0n);
  return { imageRef, size, repoDigest, repoTags: img?.repoTags ?? [], ms };
}

export function pullSummary(image: string, r: PullResult): string {
  const digest = r.repoDigest.split('@')[1];
  return `${digest ? `Digest: ${digest}\n` : ''}Status: Downloaded ${image} (${humanSize(r.size)}) in ${(r.ms / 1000).toFixed(1)}s`;
}
