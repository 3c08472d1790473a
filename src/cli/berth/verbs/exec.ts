// berth exec: a command in a running container through the CRI's Exec and
// the streaming server (SPDY); the command's exit code is berth's. The CRI
// ExecRequest has no env or workdir: -e wraps the command in `env`, -w in
// `sh -c 'cd DIR && exec "$@"'` (both must exist in the image).
import { Exec } from '../../../api/methods.js';
import { UsageError } from '../../common/cli-context.js';
import { runTerminalSession } from '../../common/stream-session.js';
import { bool, str, strs } from '../args.js';
import { wrapError } from '../errors.js';
import { findContainer } from '../resolve.js';
import { parseEnv } from '../run-options.js';
import type { BerthVerb } from '../verb.js';

export function wrapCommand(cmd: readonly string[], env: readonly { key: string; value: string }[], workdir: string | undefined): string[] {
  let out = [...cmd];
  if (env.length) out = ['env', ...env.map((e) => `${e.key}=${e.value}`), ...out];
  if (workdir !== undefined) out = ['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', workdir, ...out];
  return out;
}

export const verb: BerthVerb = {
  synopsis: 'exec [OPTIONS] CONTAINER COMMAND [ARG...]',
  description: `Execute a command in a running container, through the CRI Exec call and the runtime's streaming server. berth exits with the command's exit code.

The CRI cannot set the environment or working directory of an exec: -e runs the command under env(1), and -w under sh -c 'cd DIR && exec …', so the image needs those programs.`,
  flags: [
    { name: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open and attach it' },
    { name: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
    { name: 'env', short: 'e', kind: 'strings', value: 'list', help: 'Set environment variables (KEY=VALUE; runs under env)', complete: 'none' },
    { name: 'workdir', short: 'w', kind: 'string', value: 'string', help: 'Working directory (runs under sh)', complete: 'none' },
  ],
  stopAtPositional: true,
  positional: ['running', 'none'],
  examples: ['berth exec web ls /', 'berth exec -it web sh', 'berth exec -e DEBUG=1 -w /tmp web env'],
  async run(ctx, p) {
    const [ref, ...cmd] = p.args;
    if (!ref || cmd.length === 0) throw new UsageError("exec: a CONTAINER and a COMMAND are required; see 'berth exec --help'");
    const tty = bool(p.flags, 'tty');
    const interactive = bool(p.flags, 'interactive');
    const full = wrapCommand(cmd, strs(p.flags, 'env').map((e) => parseEnv(e, process.env)), str(p.flags, 'workdir'));
    const c = await findContainer(ctx, ref);
    let url: string;
    try {
      url = (await ctx.runtime.call(Exec, { containerId: c.id, cmd: full, tty, stdin: interactive, stdout: true, stderr: !tty })).url;
    } catch (e) {
      throw wrapError(`exec in ${ref}`, e);
    }
    return runTerminalSession({ url, transport: 'spdy', interactive, tty });
  },
};
