// berth ps: docker ps's columns (CONTAINER ID, IMAGE, COMMAND, CREATED,
// STATUS, PORTS, NAMES) for berth's containers, or every container of the
// node with --all-pods; running ones unless -a.
import { ContainerState } from '../../../api/gen/api.js';
import { ListContainers } from '../../../api/methods.js';
import { bool } from '../args.js';
import { commandOf, imageOf, viewOf } from '../container-view.js';
import { ago, commandText, dockerTable, portsText, shortId, statusText } from '../docker-format.js';
import { wrapError } from '../errors.js';
import { BERTH_SELECTOR } from '../labels.js';
import { displayName } from '../resolve.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'ps [OPTIONS]',
  description: `List containers, newest first: berth's own (made by berth run), or with --all-pods every container of the node, Kubernetes' included (named namespace/pod/container).

Only running containers are shown unless -a is given.`,
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display container IDs' },
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { name: 'all-pods', kind: 'bool', help: 'Include containers berth did not make (Kubernetes pods)' },
  ],
  examples: ['berth ps', 'berth ps -a', 'berth ps -aq', 'berth ps --all-pods'],
  async run(ctx, p) {
    const all = bool(p.flags, 'all');
    const noTrunc = bool(p.flags, 'no-trunc');
    let containers;
    try {
      containers = (
        await ctx.runtime.call(ListContainers, {
          filter: { labelSelector: bool(p.flags, 'all-pods') ? {} : BERTH_SELECTOR, ...(all ? {} : { state: { state: ContainerState.CONTAINER_RUNNING } }) },
        })
      ).containers;
    } catch (e) {
      throw wrapError('listing containers', e);
    }
    containers.sort((a, b) => (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0));
    if (bool(p.flags, 'quiet')) {
      if (containers.length) ctx.print(containers.map((c) => (noTrunc ? c.id : shortId(c.id))).join('\n'));
      return;
    }
    const views = await Promise.all(containers.map((c) => viewOf(ctx, c)));
    const now = Date.now();
    const rows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES']];
    for (const v of views) {
      const c = v.container;
      rows.push([
        noTrunc ? c.id : shortId(c.id),
        imageOf(c),
        commandText(commandOf(v), noTrunc),
        ago(c.createdAt, now),
        v.status ? statusText(v.status, now) : 'Unknown',
        portsText(v.options?.ports ?? []),
        displayName(c),
      ]);
    }
    ctx.print(dockerTable(rows));
  },
};
