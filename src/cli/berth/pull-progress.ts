// Pulling with something to look at. The CRI's PullImage reports nothing
// until it is done, so on a terminal berth shows a spinner with the elapsed
// time, then the image's size, digest and the time taken; elsewhere only
// the result lines. (No per-layer progress: the CRI does not expose it.)
import { ImageStatus, PullImage } from '../../api/methods.js';
import type { CliContext } from '../common/cli-context.js';
import { humanSize } from './docker-format.js';
import { wrapError } from './errors.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** A pull may take long; the transport needs a finite deadline. */
const PULL_DEADLINE_MS = 3_600_000;

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
  let frame = 0;
  const draw = (): void => {
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    out.write(`\r\x1b[K${FRAMES[frame++ % FRAMES.length] as string} Pulling ${image} … ${secs}s`);
  };
  const timer = live ? setInterval(draw, 100) : undefined;
  if (live) draw();
  else out.write(`Pulling ${image}\n`);
  let imageRef: string;
  try {
    imageRef = (await ctx.image.call(PullImage, { image: { image } }, { timeoutMs: PULL_DEADLINE_MS })).imageRef;
  } catch (e) {
    throw wrapError(`pulling ${image}`, e);
  } finally {
    if (timer) clearInterval(timer);
    if (live) out.write('\r\x1b[K');
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
