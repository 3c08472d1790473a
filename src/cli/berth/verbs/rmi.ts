// berth rmi [-f]: RemoveImage; an image a container uses is refused unless
// -f (docker's rule; the runtime would keep its layers anyway).
import { ImageStatus, ListContainers, RemoveImage } from '../../../api/methods.js';
import { UsageError } from '../../common/cli-context.js';
import { bool } from '../args.js';
import { shortId } from '../docker-format.js';
import { errorLines, VerbError, wrapError } from '../errors.js';
import { displayName } from '../resolve.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'rmi [OPTIONS] IMAGE [IMAGE...]',
  description: `Remove one or more images from the runtime's image store. An image that a container (of any pod, running or not) uses is refused unless --force.`,
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Remove the image even if containers use it' }],
  positional: ['image'],
  examples: ['berth rmi busybox', 'berth rmi -f 1a2b3c4d5e6f'],
  async run(ctx, p) {
    if (p.args.length === 0) throw new UsageError("rmi: at least one IMAGE is required; see 'berth rmi --help'");
    const force = bool(p.flags, 'force');
    const { containers } = await ctx.runtime.call(ListContainers, {});
    let failed = 0;
    for (const ref of p.args) {
      try {
        const img = (await ctx.image.call(ImageStatus, { image: { image: ref } })).image;
        if (!img) throw new VerbError(`no such image: ${ref} ('berth images' lists them)`);
        const user = containers.find((c) => c.imageRef === img.id || c.imageId === img.id || c.image?.image === img.id);
        if (user && !force) throw new VerbError(`image ${ref} is used by container ${displayName(user)} (${shortId(user.id)}): remove the container first, or use rmi -f`);
        try {
          await ctx.image.call(RemoveImage, { image: { image: img.id } });
        } catch (e) {
          throw wrapError(`removing image ${ref}`, e);
        }
        for (const t of img.repoTags) ctx.print(`Untagged: ${t}`);
        ctx.print(`Deleted: ${img.id}`);
      } catch (e) {
        failed++;
        process.stderr.write(`${errorLines(e, ctx.endpoints.debug).join('\n')}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
