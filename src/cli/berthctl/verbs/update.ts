// berthctl update [--cpu-period --cpu-quota --cpu-share --cpuset-cpus
// --cpuset-mems --memory --oom-score-adj] ID...: UpdateContainerResources,
// one container after the other; zero/empty means "not set" (CRI), as crictl
// sends them. Prints each ID.
import { UpdateContainerResources } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { resolveContainerId } from './container-list.js';
import { parseFlags } from './flags.js';

export const verb: Verb = {
  summary: 'Update one or more running containers',
  usage: `Usage: berthctl update [command options] CONTAINER-ID [CONTAINER-ID...]

Options:
  --cpu-count value      (Windows only) Number of CPUs available to the container (default: 0)
  --cpu-maximum value    (Windows only) Portion of CPU cycles specified as a percentage * 100 (default: 0)
  --cpu-period value     CPU CFS period to be used for hardcapping (in usecs). 0 to use system default (default: 0)
  --cpu-quota value      CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period (default: 0)
  --cpu-share value      CPU shares (relative weight vs. other containers) (default: 0)
  --cpuset-cpus value    CPU(s) to use
  --cpuset-mems value    Memory node(s) to use
  --memory value         Memory limit (in bytes) (default: 0)
  --oom-score-adj value  OOM Killer score to use (default: 0)`,
  async run(ctx, args) {
    const int = { kind: 'int' } as const;
    const { flags, positional } = parseFlags('update', args, {
      'cpu-count': int,
      'cpu-maximum': int,
      'cpu-period': int,
      'cpu-quota': int,
      'cpu-share': int,
      memory: int,
      'oom-score-adj': int,
      'cpuset-cpus': { kind: 'string' },
      'cpuset-mems': { kind: 'string' },
    });
    if (positional.length === 0) throw new UsageError('ID cannot be empty');
    const n = (name: string): bigint => BigInt((flags[name] as number | undefined) ?? 0);
    const linux = {
      cpuPeriod: n('cpu-period'),
      cpuQuota: n('cpu-quota'),
      cpuShares: n('cpu-share'),
      memoryLimitInBytes: n('memory'),
      oomScoreAdj: n('oom-score-adj'),
      cpusetCpus: (flags['cpuset-cpus'] as string | undefined) ?? '',
      cpusetMems: (flags['cpuset-mems'] as string | undefined) ?? '',
    };
    for (const id of positional) {
      try {
        await ctx.runtime.call(UpdateContainerResources, { containerId: await resolveContainerId(ctx, id), linux });
      } catch (e) {
        throw new Error(`updating container resources for "${id}": ${(e as Error).message}`);
      }
      ctx.print(id);
    }
  },
};
