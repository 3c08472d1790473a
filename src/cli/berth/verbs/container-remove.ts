// berth container remove <id> cpu|memory: lifts a limit. CPU: quota -1
// (the kernel's "no quota"). Memory: limit -1, which runc writes as
// "unlimited" on cgroup v1 and "max" on v2 (0 would mean "unchanged").
import type { DeepPartial, LinuxContainerResources } from '../../../api/gen/api.js';
import { UsageError } from '../../common/cli-context.js';
import { applyLimits, limitsReport, readLimits } from '../limits.js';
import { displayName, findContainer } from '../resolve.js';
import type { BerthVerb } from '../verb.js';

export function liftFor(what: readonly string[]): DeepPartial<LinuxContainerResources> {
  if (what.length === 0) throw new UsageError('container remove: say which limit to lift: cpu, memory (or both)');
  const out: DeepPartial<LinuxContainerResources> = {};
  for (const w of what) {
    if (w === 'cpu') out.cpuQuota = -1n;
    else if (w === 'memory' || w === 'mem') {
      out.memoryLimitInBytes = -1n;
      out.memorySwapLimitInBytes = -1n;
    } else throw new UsageError(`container remove: unknown limit "${w}": use cpu or memory (cpusets: berth container unpin)`);
  }
  return out;
}

export const verb: BerthVerb = {
  synopsis: 'container remove CONTAINER cpu|memory...',
  description: `Lift a running container's CPU limit (CFS quota back to unlimited) or memory limit (back to unlimited), live. CPU shares and the cpuset are not touched; see 'berth container unpin' for the cpuset.`,
  flags: [],
  positional: ['running', ['cpu', 'memory']],
  examples: ['berth container remove web cpu', 'berth container remove web memory', 'berth container remove web cpu memory'],
  async run(ctx, p) {
    const [ref, ...what] = p.args;
    if (!ref) throw new UsageError("container remove: a CONTAINER and cpu or memory are required; see 'berth container remove --help'");
    const change = liftFor(what);
    const c = await findContainer(ctx, ref);
    await applyLimits(ctx, c.id, `the limits of ${ref}`, change);
    ctx.print(limitsReport(displayName(c), await readLimits(ctx, c.id)));
  },
};
