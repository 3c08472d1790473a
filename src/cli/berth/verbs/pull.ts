// berth pull: PullImage with per-layer progress from berthd's WatchPull (a
// spinner against other runtimes), then docker's result lines.
import { ImageStatus } from '../../../api/methods.js';
import { UsageError } from '../../common/cli-context.js';
import { bool } from '../args.js';
import { pullSummary, pullWithProgress } from '../pull-progress.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'pull [OPTIONS] NAME[:TAG|@DIGEST]',
  description: `Pull an image through the runtime's image service (CRI PullImage); the runtime normalises the name (busybox → docker.io/library/busybox:latest) and uses its own registry credentials.

The CRI reports nothing while a pull runs; berthd's own WatchPull stream does. On a terminal berth shows each layer's state, bytes, rate and ETA, redrawn in place, and a total line; elsewhere one line per layer state change (Waiting, Downloading, Pull complete, Already exists). Then the digest, size and time taken. Against a runtime without WatchPull it shows a spinner with the elapsed time.`,
  flags: [{ name: 'quiet', short: 'q', kind: 'bool', help: 'Print only the image reference' }],
  positional: ['image'],
  examples: ['berth pull busybox', 'berth pull registry.local:5000/app:1.2'],
  async run(ctx, p) {
    if (p.args.length !== 1) throw new UsageError("pull: exactly one image NAME is required; see 'berth pull --help'");
    const image = p.args[0] as string;
    const quiet = bool(p.flags, 'quiet');
    const had = (await ctx.image.call(ImageStatus, { image: { image } })).image;
    const r = await pullWithProgress(ctx, image, quiet ? nullStream() : process.stderr);
    if (!quiet) process.stderr.write(`${had && had.id === r.imageRef ? `Status: Image is up to date for ${image}` : pullSummary(image, r)}\n`);
    // The reference as the runtime normalised it (docker prints docker.io/library/busybox:latest).
    ctx.print(image.includes('@') ? r.repoDigest || r.imageRef : (requestedTag(image, r.repoTags) ?? r.repoTags[0] ?? r.imageRef));
  },
};

/**
 * Which of the image's tags the request named, as the runtime normalised it:
 * `busybox` is docker.io/library/busybox:latest, not another registry's
 * busybox:latest that the same image also carries.
 */
export function requestedTag(image: string, repoTags: readonly string[]): string | undefined {
  const hasTag = image.lastIndexOf(':') > image.lastIndexOf('/');
  const want = hasTag ? image : `${image}:latest`;
  const firstPart = want.split('/')[0] as string;
  const hasRegistry = want.includes('/') && (firstPart.includes('.') || firstPart.includes(':') || firstPart === 'localhost');
  const candidates = hasRegistry ? [want] : [want, `docker.io/${want}`, `docker.io/library/${want}`];
  return candidates.map((c) => repoTags.find((t) => t === c)).find((t) => t !== undefined);
}

function nullStream(): NodeJS.WriteStream {
  return { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
}
