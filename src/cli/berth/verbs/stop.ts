// berth stop [-t N]: StopContainer (the stop signal, N seconds, then SIGKILL).
import { UsageError } from '../../common/cli-context.js';
import { int } from '../args.js';
import { forEachContainer } from '../each.js';
import { stopContainer } from '../lifecycle.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'stop [OPTIONS] CONTAINER [CONTAINER...]',
  description: `Stop one or more running containers: the container's stop signal (the image's StopSignal, else SIGTERM), then SIGKILL after the grace period. The pod stays, so the container can be started again.`,
  flags: [{ name: 'time', short: 't', kind: 'int', value: 'int', help: 'Seconds to wait before killing the container', default: '10', complete: 'none' }],
  positional: ['running'],
  examples: ['berth stop web', 'berth stop -t 0 web db'],
  async run(ctx, p) {
    const t = int(p.flags, 'time') ?? 10;
    if (t < 0) throw new UsageError('stop: --time must not be negative');
    return forEachContainer(ctx, 'stop', p.args, 'stopping', async (c) => stopContainer(ctx, c.id, t));
  },
};
