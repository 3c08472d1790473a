// berth update: docker update's resource flags through the CRI's
// UpdateContainerResources, live; only the given limits change.
import type { DeepPartial, LinuxContainerResources } from '../../../api/gen/api.js';
import { availableParallelism } from 'node:os';
import { UsageError } from '../../common/cli-context.js';
import { int, str } from '../args.js';
import { checkOnline, formatCpuList, onlineCpus, parseCpuList } from '../cpuset.js';
import { forEachContainer } from '../each.js';
import { applyLimits } from '../limits.js';
import { CPU_PERIOD_US, parseDockerCpus, parseDockerMemory, quotaFor } from '../units.js';
import type { BerthVerb, FlagValues } from '../verb.js';

export function updateChange(flags: FlagValues, cpusOnNode: number, online: () => number[]): DeepPartial<LinuxContainerResources> {
  const out: DeepPartial<LinuxContainerResources> = {};
  try {
    const cpus = str(flags, 'cpus');
    if (cpus !== undefined) {
      out.cpuPeriod = BigInt(CPU_PERIOD_US);
      out.cpuQuota = BigInt(quotaFor(parseDockerCpus(cpus, cpusOnNode)));
    }
    const memory = str(flags, 'memory');
    if (memory !== undefined) out.memoryLimitInBytes = BigInt(memory === '-1' ? -1 : parseDockerMemory(memory));
    const cpuset = str(flags, 'cpuset-cpus');
    if (cpuset !== undefined) {
      const list = parseCpuList(cpuset);
      checkOnline(list, online());
      out.cpusetCpus = formatCpuList(list);
    }
    const shares = int(flags, 'cpu-shares');
    if (shares !== undefined) {
      if (shares < 2 || shares > 262144) throw new Error(`--cpu-shares ${shares} is outside 2-262144`);
      out.cpuShares = BigInt(shares);
    }
    const quota = int(flags, 'cpu-quota');
    if (quota !== undefined) out.cpuQuota = BigInt(quota);
    const period = int(flags, 'cpu-period');
    if (period !== undefined) out.cpuPeriod = BigInt(period);
  } catch (e) {
    throw new UsageError(`update: ${(e as Error).message}; nothing was changed`);
  }
  if (Object.keys(out).length === 0) throw new UsageError("update: give at least one limit (--cpus, --memory, --cpuset-cpus …); see 'berth update --help'");
  return out;
}

export const verb: BerthVerb = {
  synopsis: 'update [OPTIONS] CONTAINER [CONTAINER...]',
  description: `Update the resource limits of one or more running containers, live (CRI UpdateContainerResources). Only the limits given change. --memory -1 lifts the memory limit. See also 'berth container set', which takes Kubernetes quantities.`,
  flags: [
    { name: 'cpus', kind: 'string', value: 'decimal', help: 'Number of CPUs (quota over a 100ms period)', complete: 'none' },
    { name: 'memory', short: 'm', kind: 'string', value: 'bytes', help: 'Memory limit (docker units: 256m, 1g; -1 lifts it)', complete: 'none' },
    { name: 'cpuset-cpus', kind: 'string', value: 'list', help: 'CPUs in which to allow execution (0-3, 0,1)', complete: 'none' },
    { name: 'cpu-shares', short: 'c', kind: 'int', value: 'int', help: 'CPU shares (relative weight)', complete: 'none' },
    { name: 'cpu-quota', kind: 'int', value: 'int', help: 'Limit CPU CFS quota (µs per period; -1 lifts it)', complete: 'none' },
    { name: 'cpu-period', kind: 'int', value: 'int', help: 'Limit CPU CFS period (µs)', complete: 'none' },
  ],
  positional: ['running'],
  examples: ['berth update --cpus 0.5 --memory 128m web', 'berth update --cpuset-cpus 1 web db'],
  async run(ctx, p) {
    const change = updateChange(p.flags, availableParallelism(), onlineCpus);
    return forEachContainer(ctx, 'update', p.args, 'updating', (c, ref) => applyLimits(ctx, c.id, `the limits of ${ref}`, change));
  },
};
