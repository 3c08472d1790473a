// berth list: every container of the node (all pods, all states) with its
// pod, state, image and current limits — the operator's inventory.
import { ListContainers } from '../../../api/methods.js';
import { toJson } from '../../common/output.js';
import { bool } from '../args.js';
import { containerStateWord } from '../../berthctl/verbs/container-format.js';
import { imageOf } from '../container-view.js';
import { dockerTable, shortId } from '../docker-format.js';
import { wrapError } from '../errors.js';
import { cpusetText, cpuText, limitsJson, limitsOf, memoryText } from '../limits.js';
import { displayName, podsById } from '../resolve.js';
import { ContainerStatus } from '../../../api/methods.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'list [OPTIONS]',
  description: `List every container of the node — berth's and Kubernetes' pods alike, in every state — with its pod, state, image and current limits (CPU as cores from the CFS quota, the cpuset, memory), newest first.`,
  flags: [
    { name: 'json', kind: 'bool', help: 'Print JSON' },
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate IDs" },
  ],
  examples: ['berth list', 'berth list --json'],
  async run(ctx, p) {
    let containers;
    let pods;
    try {
      [containers, pods] = await Promise.all([ctx.runtime.call(ListContainers, {}).then((r) => r.containers), podsById(ctx)]);
    } catch (e) {
      throw wrapError('listing containers', e);
    }
    containers.sort((a, b) => (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0));
    const statuses = await Promise.all(containers.map((c) => ctx.runtime.call(ContainerStatus, { containerId: c.id }).then((r) => r.status).catch(() => undefined)));
    const noTrunc = bool(p.flags, 'no-trunc');
    const entries = containers.map((c, i) => {
      const pod = pods.get(c.podSandboxId);
      return { c, pod, l: limitsOf(statuses[i]?.resources?.linux) };
    });
    if (bool(p.flags, 'json')) {
      ctx.print(
        toJson(
          entries.map(({ c, pod, l }) => ({
            id: c.id,
            name: displayName(c),
            pod: pod?.name ?? '',
            podId: c.podSandboxId,
            namespace: pod?.namespace ?? '',
            state: containerStateWord(c.state).toLowerCase(),
            image: imageOf(c),
            limits: limitsJson(l),
          })),
        ),
      );
      return;
    }
    const rows = [['CONTAINER ID', 'NAME', 'POD', 'NAMESPACE', 'STATE', 'IMAGE', 'CPU', 'CPUSET', 'MEMORY']];
    for (const { c, pod, l } of entries) {
      rows.push([noTrunc ? c.id : shortId(c.id), displayName(c), pod?.name ?? '?', pod?.namespace ?? '?', containerStateWord(c.state), imageOf(c), cpuText(l), cpusetText(l), memoryText(l)]);
    }
    ctx.print(dockerTable(rows));
  },
};
