// berth restart [-t N]: stop (when running), then start as `berth start` does.
import { ContainerState } from '../../../api/gen/api.js';
import { ContainerStatus, StartContainer } from '../../../api/methods.js';
import { UsageError } from '../../common/cli-context.js';
import { int } from '../args.js';
import { forEachContainer } from '../each.js';
import { remake, stopContainer } from '../lifecycle.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'restart [OPTIONS] CONTAINER [CONTAINER...]',
  description: `Restart one or more containers: stop them when running (stop signal, then SIGKILL after --time), then start them again. As with 'berth start', the restarted container is a new CRI container in the same pod: same name, new ID.`,
  flags: [{ name: 'time', short: 't', kind: 'int', value: 'int', help: 'Seconds to wait before killing the container', default: '10', complete: 'none' }],
  positional: ['container'],
  examples: ['berth restart web', 'berth restart -t 0 web'],
  async run(ctx, p) {
    const t = int(p.flags, 'time') ?? 10;
    if (t < 0) throw new UsageError('restart: --time must not be negative');
    return forEachContainer(ctx, 'restart', p.args, 'restarting', async (c) => {
      const s = (await ctx.runtime.call(ContainerStatus, { containerId: c.id })).status;
      if (s?.state === ContainerState.CONTAINER_CREATED) {
        await ctx.runtime.call(StartContainer, { containerId: c.id }, { timeoutMs: 120_000 });
        return;
      }
      if (s?.state === ContainerState.CONTAINER_RUNNING) await stopContainer(ctx, c.id, t);
      await remake(ctx, c);
    });
  },
};
