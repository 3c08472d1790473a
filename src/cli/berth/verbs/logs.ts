// berth logs: the container's log file read on this node (the CRI way; the
// runtime does not serve logs), -f to follow until the container stops.
import { exitQuietlyOnClosedPipe } from '../../common/pipe.js';
import { parseSince } from '../../common/since.js';
import { UsageError } from '../../common/cli-context.js';
import { bool, str } from '../args.js';
import { wrapError } from '../errors.js';
import { followLog } from '../log-follow.js';
import { findContainer } from '../resolve.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'logs [OPTIONS] CONTAINER',
  description: `Fetch the logs of a container: its stdout lines on stdout and its stderr lines on stderr.

The log is the CRI log file of the container on this node (ContainerStatus.log_path), so berth must run on the node; logs of a restarted berth container continue in the same file.`,
  flags: [
    { name: 'follow', short: 'f', kind: 'bool', help: 'Follow log output until the container stops' },
    { name: 'tail', short: 'n', kind: 'string', value: 'string', help: 'Number of lines to show from the end of the logs', default: '"all"', complete: 'none' },
    { name: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps (RFC 3339, as written by the runtime)' },
    { name: 'since', kind: 'string', value: 'string', help: 'Show logs since a timestamp (2013-01-02T13:23:37Z) or relative (42m)', complete: 'none' },
  ],
  positional: ['container'],
  examples: ['berth logs web', 'berth logs -f --tail 10 web', 'berth logs --since 5m -t web'],
  async run(ctx, p) {
    if (p.args.length !== 1) throw new UsageError("logs: exactly one CONTAINER is required; see 'berth logs --help'");
    const tailText = str(p.flags, 'tail') ?? 'all';
    if (tailText !== 'all' && !/^\d+$/.test(tailText)) throw new UsageError(`logs: --tail must be a number of lines or "all" (got "${tailText}")`);
    const since = str(p.flags, 'since');
    let sinceNs: bigint | undefined;
    try {
      sinceNs = since ? parseSince(since) : undefined;
    } catch (e) {
      throw new UsageError(`logs: ${(e as Error).message}`);
    }
    const ref = p.args[0] as string;
    const c = await findContainer(ctx, ref);
    exitQuietlyOnClosedPipe();
    try {
      await followLog(ctx, c.id, { follow: bool(p.flags, 'follow'), timestamps: bool(p.flags, 'timestamps'), tail: tailText === 'all' ? undefined : Number(tailText), sinceNs });
    } catch (e) {
      throw wrapError(`reading the logs of ${ref}`, e);
    }
  },
};
