// berth attach: the container's stdio through the CRI's Attach (its tty and
// stdin as it was run with); detaching leaves it running.
import { ContainerState } from '../../../api/gen/api.js';
import { Attach } from '../../../api/methods.js';
import { UsageError } from '../../common/cli-context.js';
import { runTerminalSession } from '../../common/stream-session.js';
import { bool } from '../args.js';
import { viewOf } from '../container-view.js';
import { VerbError, wrapError } from '../errors.js';
import { findContainer } from '../resolve.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'attach [OPTIONS] CONTAINER',
  description: `Attach this terminal's input and output to a running container's main process, through the CRI Attach call. Stdin is attached when the container was run with -i; a tty when it was run with -t. With a tty, Ctrl-C goes to the container.`,
  flags: [{ name: 'no-stdin', kind: 'bool', help: 'Do not attach STDIN' }],
  positional: ['running'],
  examples: ['berth attach web', 'berth attach --no-stdin shell'],
  async run(ctx, p) {
    if (p.args.length !== 1) throw new UsageError("attach: exactly one CONTAINER is required; see 'berth attach --help'");
    const ref = p.args[0] as string;
    const v = await viewOf(ctx, await findContainer(ctx, ref), true);
    if (v.status?.state !== ContainerState.CONTAINER_RUNNING) throw new VerbError(`cannot attach to ${ref}: it is not running (berth start ${ref})`);
    const tty = v.options?.tty ?? v.process?.terminal ?? false;
    const stdin = (v.options?.stdin ?? false) && !bool(p.flags, 'no-stdin');
    let url: string;
    try {
      url = (await ctx.runtime.call(Attach, { containerId: v.container.id, stdin, tty, stdout: true, stderr: !tty })).url;
    } catch (e) {
      throw wrapError(`attaching to ${ref}`, e);
    }
    return runTerminalSession({ url, transport: 'spdy', interactive: stdin, tty });
  },
};
