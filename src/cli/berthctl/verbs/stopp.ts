// berthctl stopp POD-ID [POD-ID...]: stops pods, one after the other (crictl's order and messages).
import { StopPodSandbox } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseFlags } from './flags.js';

export const verb: Verb = {
  summary: 'Stop one or more running pods',
  usage: 'Usage: berthctl stopp POD-ID [POD-ID...]',
  async run(ctx, args) {
    const { positional } = parseFlags('stopp', args, {});
    if (positional.length === 0) throw new UsageError('stopp: at least one POD-ID is needed');
    for (const id of positional) {
      try {
        await ctx.runtime.call(StopPodSandbox, { podSandboxId: id });
      } catch (e) {
        throw new Error(`stopping the pod sandbox "${id}": ${(e as Error).message}`);
      }
      ctx.print(`Stopped sandbox ${id}`);
    }
  },
};
