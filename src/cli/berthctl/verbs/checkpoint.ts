// berthctl checkpoint --export=FILE ID...: CheckpointContainer, as crictl;
// a runtime without checkpoint support gets one clear line.
import { CheckpointContainer } from '../../../api/methods.js';
import { GrpcStatusError } from '../../../client/cri-client.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { Code } from '../../../util/errors.js';
import { resolveContainerId } from './container-list.js';
import { parseFlags } from './flags.js';

export const verb: Verb = {
  summary: 'Checkpoint one or more running containers',
  usage: `Usage: berthctl checkpoint [command options] CONTAINER-ID [CONTAINER-ID...]

Options:
  --export value, -e value  Specify the name of the tar archive (/path/to/checkpoint.tar) used to export the checkpoint image.`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('checkpoint', args, { export: { kind: 'string', short: 'e' } });
    if (positional.length === 0) throw new UsageError('ID cannot be empty');
    const location = (flags.export as string | undefined) ?? '';
    if (!location) throw new UsageError('cannot checkpoint a container without specifying the checkpoint destination. Use --export=/path/to/checkpoint.tar');
    for (const id of positional) {
      try {
        await ctx.runtime.call(CheckpointContainer, { containerId: await resolveContainerId(ctx, id), location });
      } catch (e) {
        const why = e instanceof GrpcStatusError && e.grpcCode === Code.Unimplemented ? 'this runtime does not support checkpointing (CheckpointContainer is unimplemented)' : (e as Error).message;
        throw new Error(`checkpointing the container "${id}" failed: ${why}`);
      }
      ctx.print(id);
    }
  },
};
