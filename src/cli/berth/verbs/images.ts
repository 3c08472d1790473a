// berth images: REPOSITORY TAG IMAGE ID SIZE (docker's columns; the CRI
// Image message has no creation time, so there is no CREATED column).
import { ListImages } from '../../../api/methods.js';
import { UsageError } from '../../common/cli-context.js';
import { repoTagPairs } from '../../berthctl/verbs/image-format.js';
import { bool } from '../args.js';
import { dockerTable, humanSize, shortId } from '../docker-format.js';
import { wrapError } from '../errors.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'images [OPTIONS] [REPOSITORY[:TAG]]',
  description: `List the images of the runtime's image service. The CRI does not report when an image was built, so the CREATED column of docker is absent.`,
  flags: [
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { name: 'digests', kind: 'bool', help: 'Show digests' },
  ],
  positional: ['image'],
  examples: ['berth images', 'berth images -q', 'berth images busybox'],
  async run(ctx, p) {
    if (p.args.length > 1) throw new UsageError('images: at most one REPOSITORY[:TAG]');
    const filter = p.args[0];
    let images;
    try {
      images = (await ctx.image.call(ListImages, filter ? { filter: { image: { image: filter } } } : {})).images;
    } catch (e) {
      throw wrapError('listing images', e);
    }
    images.sort((a, b) => (a.repoTags[0] ?? '~').localeCompare(b.repoTags[0] ?? '~'));
    const noTrunc = bool(p.flags, 'no-trunc');
    const id = (x: string): string => (noTrunc ? x : shortId(x));
    if (bool(p.flags, 'quiet')) {
      if (images.length) ctx.print([...new Set(images.map((i) => id(i.id)))].join('\n'));
      return;
    }
    const digests = bool(p.flags, 'digests');
    const rows = [['REPOSITORY', 'TAG', ...(digests ? ['DIGEST'] : []), 'IMAGE ID', 'SIZE']];
    for (const img of images) {
      for (const [repo, tag] of repoTagPairs(img)) {
        rows.push([repo, tag, ...(digests ? [img.repoDigests[0]?.split('@')[1] ?? '<none>'] : []), id(img.id), humanSize(Number(img.size))]);
      }
    }
    ctx.print(dockerTable(rows));
  },
};
