// berthctl stop [-t N] [-a] ID...: stops containers one after the other
// (signal, N seconds, then SIGKILL), printing each ID as crictl does.
import { StopContainer } from '../../../api/methods.js';
import { UsageError, type CliContext, type Verb } from '../../common/cli-context.js';
import { listContainers, resolveContainerId } from './container-list.js';
import { parseFlags } from './flags.js';

/** StopContainer with a deadline that leaves the runtime its grace period (as crictl: timeout + grace). */
export async function stopContainer(ctx: CliContext, id: string, timeoutSec: number): Promise<void> {
  await ctx.runtime.call(StopContainer, { containerId: id, timeout: BigInt(timeoutSec) }, { timeoutMs: ctx.endpoints.timeoutMs + Math.max(0, timeoutSec) * 1000 });
}

export const verb: Verb = {
  summary: 'Stop one or more running containers',
  usage: `Usage: berthctl stop [command options] CONTAINER-ID [CONTAINER-ID...]

Options:
  --all, -a                Stop all running containers
  --timeout value, -t value  Seconds to wait to kill the container after a graceful stop is requested (default: 0)`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('stop', args, { timeout: { kind: 'int', short: 't' }, all: { kind: 'bool', short: 'a' } });
    if (flags.all && positional.length) throw new UsageError('cannot specify CONTAINER-ID(s) when using --all');
    let ids = positional;
    if (flags.all) {
      ids = (await listContainers(ctx, { state: 'running' })).map((c) => c.id);
      if (ids.length === 0) {
        ctx.print('No running containers found.');
        return;
      }
    } else if (ids.length === 0) throw new UsageError('you must specify at least one CONTAINER-ID or use --all');
    const timeout = (flags.timeout as number | undefined) ?? 0;
    for (const id of ids) {
      try {
        await stopContainer(ctx, await resolveContainerId(ctx, id), timeout);
      } catch (e) {
        throw new Error(`stopping the container "${id}": ${(e as Error).message}`);
      }
      ctx.print(id);
    }
  },
};
