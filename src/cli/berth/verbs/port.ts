// berth port: the pod port mappings berth published for a container.
import { UsageError } from '../../common/cli-context.js';
import { VerbError } from '../errors.js';
import { isBerth, findContainer } from '../resolve.js';
import { optionsOf } from '../run-config.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'port CONTAINER [PRIVATE_PORT[/PROTO]]',
  description: `List the port mappings of a container (as published with berth run -p), or the host addresses of one private port.`,
  flags: [],
  positional: ['container', 'none'],
  examples: ['berth port web', 'berth port web 80/tcp'],
  async run(ctx, p) {
    if (p.args.length < 1 || p.args.length > 2) throw new UsageError("port: a CONTAINER and optionally a PRIVATE_PORT[/PROTO]; see 'berth port --help'");
    const [ref, want] = p.args as [string, string | undefined];
    const c = await findContainer(ctx, ref);
    if (!isBerth(c)) throw new VerbError(`${ref} was not made by berth run: its pod's port mappings are not known to berth (see 'berth describe ${ref}')`);
    let ports = optionsOf(c.annotations)?.ports ?? [];
    if (want !== undefined) {
      const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(want);
      if (!m) throw new UsageError(`port: invalid port "${want}": use e.g. 80 or 80/tcp`);
      ports = ports.filter((x) => x.containerPort === Number(m[1]) && x.protocol === (m[2] ?? 'tcp'));
      if (!ports.length) throw new VerbError(`no public port '${want}' published for ${ref}`);
      ctx.print(ports.map((x) => `${x.hostIp || '0.0.0.0'}:${x.hostPort}`).join('\n'));
      return;
    }
    if (ports.length) ctx.print(ports.map((x) => `${x.containerPort}/${x.protocol} -> ${x.hostIp || '0.0.0.0'}:${x.hostPort}`).join('\n'));
  },
};
