// berthctl attach: crictl's attach, over the Attach RPC and the streaming
// server (SPDY by default, --transport websocket).
import { Attach } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseTransport, runTerminalSession } from '../../common/stream-session.js';
import { parseFlags } from './flags.js';

export const verb: Verb = {
  summary: 'Attach to a running container',
  usage: `Usage: berthctl attach [command options] CONTAINER-ID

Options:
  --stdin, -i         Keep STDIN open (default: false)
  --tty, -t           Stdin is a TTY (default: false)
  --transport value   Streaming transport: spdy or websocket (default: spdy)`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('attach', args, {
      stdin: { kind: 'bool', short: 'i' },
      tty: { kind: 'bool', short: 't' },
      transport: { kind: 'string' },
    });
    if (positional.length !== 1) throw new UsageError('attach: exactly one container ID is required; see berthctl attach --help');
    const tty = flags.tty === true;
    const interactive = flags.stdin === true;
    const transport = parseTransport('attach', flags.transport);
    const { url } = await ctx.runtime.call(Attach, { containerId: positional[0] as string, stdin: interactive, tty, stdout: true, stderr: !tty });
    return runTerminalSession({ url, transport, interactive, tty });
  },
};
