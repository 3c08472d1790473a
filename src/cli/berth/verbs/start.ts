// berth start: a created container is started; an exited berth container
// is made again in its pod from the options it was run with (a CRI
// container runs once), keeping its name and log.
import { ContainerState } from '../../../api/gen/api.js';
import { ContainerStatus, StartContainer } from '../../../api/methods.js';
import { forEachContainer } from '../each.js';
import { remake } from '../lifecycle.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'start CONTAINER [CONTAINER...]',
  description: `Start one or more stopped containers.

A CRI container runs only once, so starting an exited berth container creates a new container in the same pod from the options it was run with (attempt + 1): the name, pod, ports, volumes, limits and log file stay; the container ID changes. Running containers are left as they are.`,
  flags: [],
  positional: ['container'],
  examples: ['berth start web'],
  async run(ctx, p) {
    return forEachContainer(ctx, 'start', p.args, 'starting', async (c) => {
      const s = (await ctx.runtime.call(ContainerStatus, { containerId: c.id })).status;
      if (s?.state === ContainerState.CONTAINER_RUNNING) return;
      if (s?.state === ContainerState.CONTAINER_CREATED) await ctx.runtime.call(StartContainer, { containerId: c.id }, { timeoutMs: 120_000 });
      else await remake(ctx, c);
    });
  },
};
