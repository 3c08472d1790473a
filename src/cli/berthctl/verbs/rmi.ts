// berthctl rmi IMAGE...: crictl's remove — each name resolved first (an
// unknown one is an error), then removed; prints "Deleted: <tag>" for the
// names that went. --all removes every image.
import { ImageStatus, ListImages, RemoveImage } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';

const spec = (image: string) => ({ image, annotations: {}, userSpecifiedImage: '', runtimeHandler: '', imageRef: '' });

export const verb: Verb = {
  summary: 'Remove one or more images',
  usage: `Usage: berthctl rmi [command options] IMAGE-ID [IMAGE-ID...]

Options:
  --all, -a  Remove all images`,
  async run(ctx, args) {
    const all = args.includes('-a') || args.includes('--all');
    const refs = args.filter((a) => a !== '-a' && a !== '--all');
    if (refs.some((r) => r.startsWith('-'))) throw new UsageError(`rmi: unknown flag ${refs.find((r) => r.startsWith('-')) ?? ''}`);
    const targets = all ? (await ctx.image.call(ListImages, { filter: undefined })).images.map((i) => i.id) : refs;
    if (targets.length === 0 && !all) throw new UsageError('rmi: give at least one image, or --all');
    let failed = 0;
    for (const ref of targets) {
      const before = await ctx.image.call(ImageStatus, { image: spec(ref), verbose: false });
      if (!before.image) {
        process.stderr.write(`berthctl: no such image ${ref}\n`);
        failed++;
        continue;
      }
      await ctx.image.call(RemoveImage, { image: spec(ref) });
      const after = await ctx.image.call(ImageStatus, { image: spec(before.image.id), verbose: false });
      const left = new Set(after.image?.repoTags ?? []);
      const gone = before.image.repoTags.filter((t) => !left.has(t));
      for (const t of gone.length || after.image ? gone : [before.image.id]) ctx.print(`Deleted: ${t}`);
    }
    return failed ? 1 : 0;
  },
};
