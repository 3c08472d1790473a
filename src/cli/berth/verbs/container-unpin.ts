// berth container unpin <id> cpu 0,1: takes CPUs out of the cpuset; when
// none are left the container may use every online CPU again (the CRI has
// no "unset": an empty cpuset means "unchanged", so all CPUs are written).
import { formatCpuList, onlineCpus, unpinned } from '../cpuset.js';
import { applyLimits, limitsReport, readLimits } from '../limits.js';
import { displayName, findContainer } from '../resolve.js';
import type { BerthVerb } from '../verb.js';
import { parsePinArgs } from './container-pin.js';

export const verb: BerthVerb = {
  synopsis: 'container unpin CONTAINER cpu LIST',
  description: `Take CPUs out of a running container's cpuset, live. A container with no explicit cpuset counts as pinned to every online CPU. When no CPU would be left, the container gets every online CPU back.`,
  flags: [],
  positional: ['running', ['cpu'], 'none'],
  examples: ['berth container unpin web cpu 1'],
  async run(ctx, p) {
    const online = onlineCpus();
    const { ref, cpus } = parsePinArgs('unpin', p.args, online);
    const c = await findContainer(ctx, ref);
    const now = await readLimits(ctx, c.id);
    let left = unpinned(now.cpusetCpus, cpus, online);
    if (left.length === 0) left = online;
    await applyLimits(ctx, c.id, `the cpuset of ${ref}`, { cpusetCpus: formatCpuList(left) });
    ctx.print(limitsReport(displayName(c), await readLimits(ctx, c.id)));
  },
};
