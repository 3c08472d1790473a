// berth container pin <id> cpu 0,1: adds CPUs to the container's cpuset
// (or sets it, when none was set), live.
import { UsageError } from '../../common/cli-context.js';
import { checkOnline, formatCpuList, onlineCpus, parseCpuList, pinned } from '../cpuset.js';
import { applyLimits, limitsReport, readLimits } from '../limits.js';
import { displayName, findContainer } from '../resolve.js';
import type { BerthVerb } from '../verb.js';

/** "CONTAINER cpu LIST" → the container ref and the CPUs, checked against the node. */
export function parsePinArgs(verb: string, args: readonly string[], online: readonly number[]): { ref: string; cpus: number[] } {
  const [ref, kind, list, ...more] = args;
  if (!ref || kind !== 'cpu' || list === undefined || more.length) throw new UsageError(`container ${verb}: use 'berth container ${verb} CONTAINER cpu LIST' (LIST like 0,1 or 0-3)`);
  try {
    const cpus = parseCpuList(list);
    if (cpus.length === 0) throw new Error('the CPU list is empty');
    checkOnline(cpus, online);
    return { ref, cpus };
  } catch (e) {
    throw new UsageError(`container ${verb}: ${(e as Error).message}; nothing was changed`);
  }
}

export const verb: BerthVerb = {
  synopsis: 'container pin CONTAINER cpu LIST',
  description: `Pin a running container to CPUs, live: the CPUs of LIST are added to its cpuset when one is set explicitly, otherwise the cpuset becomes LIST.`,
  flags: [],
  positional: ['running', ['cpu'], 'none'],
  examples: ['berth container pin web cpu 0', 'berth container pin web cpu 0-1'],
  async run(ctx, p) {
    const online = onlineCpus();
    const { ref, cpus } = parsePinArgs('pin', p.args, online);
    const c = await findContainer(ctx, ref);
    const now = await readLimits(ctx, c.id);
    await applyLimits(ctx, c.id, `the cpuset of ${ref}`, { cpusetCpus: formatCpuList(pinned(now.cpusetCpus, cpus)) });
    ctx.print(limitsReport(displayName(c), await readLimits(ctx, c.id)));
  },
};
