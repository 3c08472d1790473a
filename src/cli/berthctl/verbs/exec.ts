// berthctl exec: crictl's exec. Streams through the Exec RPC and the
// streaming server (SPDY by default, --transport websocket), or with -s runs
// ExecSync and prints the captured output. The remote exit code is ours.
import { Exec, ExecSync } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseTransport, runTerminalSession } from '../../common/stream-session.js';
import { parseFlags, type FlagSpec } from './flags.js';

const SPECS: Record<string, FlagSpec> = {
  interactive: { kind: 'bool', short: 'i' },
  tty: { kind: 'bool', short: 't' },
  sync: { kind: 'bool', short: 's' },
  timeout: { kind: 'int' },
  transport: { kind: 'string' },
};

/** gRPC deadlines are at most 8 digits of milliseconds. */
const NO_DEADLINE_MS = 99_999_999;

export const verb: Verb = {
  summary: 'Run a command in a running container',
  usage: `Usage: berthctl exec [command options] CONTAINER-ID COMMAND [ARG...]

Options:
  --interactive, -i   Keep STDIN open (default: false)
  --tty, -t           Allocate a pseudo-TTY (default: false)
  --sync, -s          Run the command synchronously (ExecSync) (default: false)
  --timeout value     Timeout in seconds (default: 0, none)
  --transport value   Streaming transport: spdy or websocket (default: spdy)`,
  async run(ctx, args) {
    const { flags, container, cmd } = splitCommand(args);
    const timeoutSec = (flags.timeout as number | undefined) ?? 0;
    if (timeoutSec < 0) throw new UsageError('exec: --timeout must not be negative');
    const tty = flags.tty === true;
    const interactive = flags.interactive === true;
    if (flags.sync === true) {
      if (tty || interactive) throw new UsageError('exec: --sync cannot be combined with --tty or --interactive');
      const r = await ctx.runtime.call(
        ExecSync,
        { containerId: container, cmd, timeout: BigInt(timeoutSec) },
        { timeoutMs: timeoutSec ? timeoutSec * 1000 + 10_000 : NO_DEADLINE_MS },
      );
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.exitCode;
    }
    const transport = parseTransport('exec', flags.transport);
    const { url } = await ctx.runtime.call(Exec, { containerId: container, cmd, tty, stdin: interactive, stdout: true, stderr: !tty });
    return runTerminalSession({ url, transport, interactive, tty, timeoutSec });
  },
};

/** Flags come before the container; everything after it is the command (its own flags included). */
export function splitCommand(args: readonly string[]): { flags: ReturnType<typeof parseFlags>['flags']; container: string; cmd: string[] } {
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') break;
    const name = a.startsWith('--') ? a.slice(2).split('=')[0] : undefined;
    if (name && !a.includes('=') && SPECS[name] && SPECS[name].kind !== 'bool') i++;
  }
  const { flags } = parseFlags('exec', args.slice(0, i), SPECS);
  const rest = args.slice(args[i] === '--' ? i + 1 : i);
  const [container, ...cmd] = rest;
  if (!container) throw new UsageError('exec: a container ID is required; see berthctl exec --help');
  if (cmd.length === 0) throw new UsageError('exec: a command is required; see berthctl exec --help');
  return { flags, container, cmd };
}
