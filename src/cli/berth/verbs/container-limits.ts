// berth container limits <id>: the limits from ContainerStatus.resources.
import { UsageError } from '../../common/cli-context.js';
import { toJson } from '../../common/output.js';
import { bool } from '../args.js';
import { limitsJson, limitsOf, limitsReport } from '../limits.js';
import { displayName, findContainer } from '../resolve.js';
import { ContainerStatus } from '../../../api/methods.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'container limits [OPTIONS] CONTAINER',
  description: `Show a container's current CPU limit (CFS quota and period, as cores), CPU shares, cpuset and memory limit, as the runtime reports them in ContainerStatus.resources.`,
  flags: [{ name: 'json', kind: 'bool', help: 'Print JSON' }],
  positional: ['container'],
  examples: ['berth container limits web', 'berth container limits --json web'],
  async run(ctx, p) {
    if (p.args.length !== 1) throw new UsageError("container limits: exactly one CONTAINER is required; see 'berth container limits --help'");
    const c = await findContainer(ctx, p.args[0] as string);
    const s = (await ctx.runtime.call(ContainerStatus, { containerId: c.id })).status;
    const l = limitsOf(s?.resources?.linux);
    ctx.print(bool(p.flags, 'json') ? toJson({ id: c.id, name: displayName(c), ...limitsJson(l) }) : limitsReport(displayName(c), l));
  },
};
