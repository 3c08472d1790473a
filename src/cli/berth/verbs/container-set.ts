// berth container set <id> cpu=200m memory=256Mi: live limits. Every
// assignment is checked before one call carries them all.
import type { DeepPartial, LinuxContainerResources } from '../../../api/gen/api.js';
import { UsageError } from '../../common/cli-context.js';
import { formatCpuList, onlineCpus, parseCpuList, checkOnline } from '../cpuset.js';
import { applyLimits, limitsReport, readLimits } from '../limits.js';
import { displayName, findContainer } from '../resolve.js';
import { CPU_PERIOD_US, parseCpuLimit, parseMemoryLimit, quotaFor } from '../units.js';
import type { BerthVerb } from '../verb.js';

/** cpu=…, memory=…, cpuset=… → the CRI fields to send. Throws UsageError on the first bad one. */
export function parseAssignments(items: readonly string[], online: () => number[]): DeepPartial<LinuxContainerResources> {
  if (items.length === 0) throw new UsageError('container set: give at least one of cpu=QUANTITY, memory=QUANTITY, cpuset=LIST');
  const out: DeepPartial<LinuxContainerResources> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (eq < 0 || value === '') throw new UsageError(`container set: "${item}" is not KEY=VALUE (e.g. cpu=200m memory=256Mi)`);
    try {
      if (key === 'cpu' || key === 'cpus') {
        out.cpuPeriod = BigInt(CPU_PERIOD_US);
        out.cpuQuota = BigInt(quotaFor(parseCpuLimit(value)));
      } else if (key === 'memory' || key === 'mem') out.memoryLimitInBytes = BigInt(parseMemoryLimit(value));
      else if (key === 'cpuset') {
        const cpus = parseCpuList(value);
        checkOnline(cpus, online());
        out.cpusetCpus = formatCpuList(cpus);
      } else throw new Error(`unknown limit "${key}": use cpu, memory or cpuset`);
    } catch (e) {
      throw new UsageError(`container set: ${(e as Error).message}; nothing was changed`);
    }
  }
  return out;
}

export const verb: BerthVerb = {
  synopsis: 'container set CONTAINER KEY=VALUE...',
  description: `Change a running container's limits live (UpdateContainerResources):

  cpu=QUANTITY     CPU limit as a CFS quota over a 100ms period: 200m, 1.5, 2
  memory=QUANTITY  memory limit: 256Mi, 1Gi, 500M, bytes
  cpuset=LIST      the CPUs it may run on: 0,1 or 0-3

All assignments are checked first; if one is invalid nothing is changed. Memory below what the container uses now may be refused by the kernel.`,
  flags: [],
  positional: ['running', 'none'],
  examples: ['berth container set web cpu=200m memory=256Mi', 'berth container set web cpu=1.5', 'berth container set web cpuset=0-1'],
  async run(ctx, p) {
    const [ref, ...items] = p.args;
    if (!ref) throw new UsageError("container set: a CONTAINER and KEY=VALUE assignments are required; see 'berth container set --help'");
    const change = parseAssignments(items, onlineCpus);
    const c = await findContainer(ctx, ref);
    await applyLimits(ctx, c.id, `the limits of ${ref}`, change);
    ctx.print(limitsReport(displayName(c), await readLimits(ctx, c.id)));
  },
};
