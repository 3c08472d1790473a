// berth top: the processes of a running container, read from /proc on this
// node through the container's cgroup (proc-table.ts).
import { ContainerState } from '../../../api/gen/api.js';
import { UsageError } from '../../common/cli-context.js';
import { viewOf } from '../container-view.js';
import { dockerTable } from '../docker-format.js';
import { VerbError } from '../errors.js';
import { processTable } from '../proc-table.js';
import { findContainer } from '../resolve.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'top CONTAINER',
  description: `Display the running processes of a container, in the columns of 'ps -ef' (UID PID PPID C STIME TTY TIME CMD) with the node's PIDs.

berth reads them on this node: the runtime reports the container's init PID (ContainerStatus verbose info), whose cgroup lists every process of the container; each is described from /proc. The image needs no ps, but berth must run on the node as root. ps options are not taken.`,
  flags: [],
  positional: ['running'],
  examples: ['berth top web'],
  async run(ctx, p) {
    if (p.args.length !== 1) throw new UsageError("top: exactly one CONTAINER is required (ps options are not taken); see 'berth top --help'");
    const ref = p.args[0] as string;
    const v = await viewOf(ctx, await findContainer(ctx, ref), false);
    if (v.status?.state !== ContainerState.CONTAINER_RUNNING) throw new VerbError(`${ref} is not running`);
    if (!v.pid) throw new VerbError(`the runtime does not report the PID of ${ref} (ContainerStatus verbose info), so its processes cannot be found`);
    let rows;
    try {
      rows = await processTable(v.pid);
    } catch (e) {
      throw new VerbError(`reading the processes of ${ref}: ${(e as Error).message} (berth top reads /proc and /sys/fs/cgroup on the node: run it there as root)`);
    }
    ctx.print(dockerTable(rows));
  },
};
