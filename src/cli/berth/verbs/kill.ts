// berth kill [-s SIGNAL]: the CRI has no kill RPC. SIGKILL is StopContainer
// with timeout 0 (the runtime kills at once and records the exit); any other
// signal is sent from this node to the container's init process, whose
// host PID the runtime reports in ContainerStatus' verbose info. That works
// for any image (no `kill` binary needed inside) and any PID namespace.
import { ContainerState } from '../../../api/gen/api.js';
import { UsageError } from '../../common/cli-context.js';
import { str } from '../args.js';
import { viewOf } from '../container-view.js';
import { forEachContainer } from '../each.js';
import { VerbError } from '../errors.js';
import { stopContainer } from '../lifecycle.js';
import { parseSignal } from '../signals.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'kill [OPTIONS] CONTAINER [CONTAINER...]',
  description: `Send a signal to the main process of one or more running containers.

SIGKILL (the default) goes through the CRI as StopContainer with a zero grace period. The CRI has no other way to signal a container, so any other signal is sent by berth on this node to the container's init process (its host PID from ContainerStatus' verbose info); this needs berth to run on the node as a user allowed to signal that process (root).`,
  flags: [{ name: 'signal', short: 's', kind: 'string', value: 'string', help: 'Signal to send (name or number)', default: '"KILL"', complete: 'signal' }],
  positional: ['running'],
  examples: ['berth kill web', 'berth kill -s HUP web', 'berth kill -s 15 web'],
  async run(ctx, p) {
    const text = str(p.flags, 'signal') ?? 'KILL';
    const sig = parseSignal(text);
    if (!sig) throw new UsageError(`kill: invalid signal "${text}": use a name like TERM, SIGHUP or a number`);
    return forEachContainer(ctx, 'kill', p.args, 'killing', async (c, ref) => {
      const v = await viewOf(ctx, c, false);
      if (v.status?.state !== ContainerState.CONTAINER_RUNNING) throw new VerbError(`${ref} is not running`);
      if (sig === 'SIGKILL') return stopContainer(ctx, c.id, 0);
      if (!v.pid) throw new VerbError(`the runtime does not report the PID of ${ref}, so only SIGKILL (berth kill ${ref}) can be delivered`);
      try {
        process.kill(v.pid, sig);
      } catch (e) {
        throw new VerbError(`signalling PID ${v.pid}: ${(e as Error).message} (berth kill needs root on the node)`);
      }
    });
  },
};
