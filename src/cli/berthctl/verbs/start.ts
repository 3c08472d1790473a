// berthctl start ID...: starts created containers one after the other,
// printing each ID as given (crictl's output); the first failure stops.
import { StartContainer } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { resolveContainerId } from './container-list.js';
import { parseFlags } from './flags.js';

export const verb: Verb = {
  summary: 'Start one or more created containers',
  usage: `Usage: berthctl start CONTAINER-ID [CONTAINER-ID...]

Starts created containers; an ID may be a unique prefix. Prints each ID.`,
  async run(ctx, args) {
    const { positional } = parseFlags('start', args, {});
    if (positional.length === 0) throw new UsageError('ID cannot be empty');
    for (const id of positional) {
      try {
        await ctx.runtime.call(StartContainer, { containerId: await resolveContainerId(ctx, id) });
      } catch (e) {
        throw new Error(`starting the container "${id}": ${(e as Error).message}`);
      }
      ctx.print(id);
    }
  },
};
