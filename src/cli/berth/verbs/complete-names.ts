// berth __complete containers|running|images: one name per line for the
// shell completion scripts; silent on any error (a missing runtime must
// not spill messages into the user's command line).
import { ContainerState } from '../../../api/gen/api.js';
import { ListContainers, ListImages } from '../../../api/methods.js';
import { BERTH_SELECTOR } from '../labels.js';
import { displayName } from '../resolve.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: '__complete containers|running|images',
  description: 'Internal: names for shell completion.',
  flags: [],
  async run(ctx, p) {
    try {
      const what = p.args[0];
      if (what === 'images') {
        const { images } = await ctx.image.call(ListImages, {}, { timeoutMs: 1000 });
        ctx.print(images.flatMap((i) => i.repoTags.map((t) => t.replace(/^docker\.io\/library\//, ''))).join('\n'));
      } else {
        const state = what === 'running' ? { state: ContainerState.CONTAINER_RUNNING } : undefined;
        const { containers } = await ctx.runtime.call(ListContainers, { filter: { labelSelector: BERTH_SELECTOR, state } }, { timeoutMs: 1000 });
        ctx.print(containers.map(displayName).join('\n'));
      }
    } catch {
      // nothing to offer
    }
    return 0;
  },
};
