// berthctl images [REPOSITORY[:TAG]]: crictl's listing — table (IMAGE TAG
// IMAGE ID SIZE), -q ids, --digests, --no-trunc, -o json|yaml.
import { ListImagesResponse } from '../../../api/gen/api.js';
import { ListImages } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseOutputFlag, printObject } from '../../common/print.js';
import { imagesTable } from './image-format.js';

export const verb: Verb = {
  summary: 'List images',
  usage: `Usage: berthctl images [command options] [REPOSITORY[:TAG]]

Options:
  --digests                 Show digests
  --no-trunc                Show output without truncating the ID
  --output value, -o value  Output format, One of: json|yaml|table
  --quiet, -q               Only show image IDs
  --verbose, -v             Show verbose info for images`,
  async run(ctx, args) {
    const { format, rest } = parseOutputFlag(args, 'table');
    const flags = new Set(rest.filter((a) => a.startsWith('-')));
    for (const f of flags) {
      if (!['--digests', '--no-trunc', '-q', '--quiet', '-v', '--verbose', '-a', '--all'].includes(f)) throw new UsageError(`images: unknown flag ${f}`);
    }
    const positional = rest.filter((a) => !a.startsWith('-'));
    if (positional.length > 1) throw new UsageError('images: at most one REPOSITORY[:TAG]');
    const filter = positional[0];
    const res = await ctx.image.call(ListImages, { filter: filter ? { image: { image: filter, annotations: {}, userSpecifiedImage: '', runtimeHandler: '', imageRef: '' } } : undefined });
    const imgs = [...res.images].sort((a, b) => (a.repoTags[0] ?? a.id).localeCompare(b.repoTags[0] ?? b.id));
    if (flags.has('-q') || flags.has('--quiet')) {
      if (imgs.length) ctx.print([...new Set(imgs.map((i) => i.id))].join('\n'));
      return;
    }
    if (format === 'json' || format === 'yaml') {
      printObject(ctx, ListImagesResponse.toJSON({ images: imgs }), format);
      return;
    }
    if (format !== 'table') throw new UsageError(`images: unsupported output format ${format ?? ''}`);
    ctx.print(imagesTable(imgs, { digests: flags.has('--digests'), noTrunc: flags.has('--no-trunc') }));
  },
};
