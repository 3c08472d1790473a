// berth rm [-f]: removes containers and, for berth's, their pods and logs.
import { ContainerState } from '../../../api/gen/api.js';
import { ContainerStatus } from '../../../api/methods.js';
import { bool } from '../args.js';
import { forEachContainer } from '../each.js';
import { VerbError } from '../errors.js';
import { removeContainer } from '../lifecycle.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'rm [OPTIONS] CONTAINER [CONTAINER...]',
  description: `Remove one or more containers. A berth container's pod and log directory go with it; for a container berth did not make, only the container is removed (its pod belongs to someone else, e.g. the kubelet).`,
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (killed at once)' }],
  positional: ['container'],
  examples: ['berth rm web', 'berth rm -f web db'],
  async run(ctx, p) {
    const force = bool(p.flags, 'force');
    return forEachContainer(ctx, 'rm', p.args, 'removing', async (c, ref) => {
      const s = (await ctx.runtime.call(ContainerStatus, { containerId: c.id })).status;
      if (s?.state === ContainerState.CONTAINER_RUNNING && !force) throw new VerbError(`cannot remove ${ref}: it is running; stop it first (berth stop ${ref}) or use rm -f`);
      await removeContainer(ctx, c);
    });
  },
};
