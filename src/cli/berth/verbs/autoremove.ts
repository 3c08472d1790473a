// berth __autoremove ID: the background half of `run -d --rm` — waits for
// the container to exit, then removes it and its pod. Started detached by run.
import { ListContainers } from '../../../api/methods.js';
import { removeContainer, waitExit } from '../lifecycle.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: '__autoremove CONTAINER-ID',
  description: 'Internal: remove a container and its pod once it exits (run -d --rm).',
  flags: [],
  async run(ctx, p) {
    const id = p.args[0] ?? '';
    // No deadline on the wait: the container may run for days.
    for (;;) {
      try {
        await waitExit(ctx, id, undefined, 2000);
        break;
      } catch {
        // berthd restarting, or the container removed: look again, then give up when it is gone
        const { containers } = await ctx.runtime.call(ListContainers, { filter: { id } }).catch(() => ({ containers: [{}] }));
        if (containers.length === 0) return 0;
        await new Promise((r) => setTimeout(r, 5000));
      }
    }
    const c = (await ctx.runtime.call(ListContainers, { filter: { id } })).containers[0];
    if (c) await removeContainer(ctx, c);
    return 0;
  },
};
