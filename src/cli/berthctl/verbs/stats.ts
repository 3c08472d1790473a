// berthctl stats [ID]: crictl's container resource usage — CONTAINER NAME
// CPU % MEM DISK INODES SWAP from two ListContainerStats samples; filters
// by id (prefix), pod and labels; -o json|yaml; -w to watch.
import { ListContainerStats } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { protoJson } from './container-format.js';
import { parseLabels } from './container-list.js';
import { parseFlags } from './flags.js';
import { DISPLAY_FLAGS, display } from './stats-display.js';
import { byAttributesId, containerStatsTable } from './stats-format.js';

export const verb: Verb = {
  summary: 'List container(s) resource usage statistics',
  usage: `Usage: berthctl stats [command options] [ID]

Options:
  --all, -a                  Show all containers (default shows just running)
  --id value                 Filter by container id
  --label value              Filter by key=value label (may be repeated)
  --metrics                  Print the pods' cAdvisor-compatible metrics (ListPodSandboxMetrics) in Prometheus text format
  --output value, -o value   Output format, One of: json|yaml|table
  --pod value, -p value      Filter by pod id
  --seconds value, -s value  Sample duration for CPU usage in seconds (default: 1)
  --watch, -w                Watch pod resources`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('stats', args, {
      ...DISPLAY_FLAGS,
      all: { kind: 'bool', short: 'a' },
      id: { kind: 'string' },
      pod: { kind: 'string', short: 'p' },
      label: { kind: 'strings' },
      metrics: { kind: 'bool' },
    });
    if (flags.metrics === true) {
      if (positional.length > 0 || flags.id || flags.pod || (flags.label as string[] | undefined)?.length) throw new UsageError('stats --metrics lists every pod: it takes no ID or filter');
      const { printPrometheus } = await import('./metricsp.js');
      try {
        return await printPrometheus(ctx);
      } catch (e) {
        throw new Error(`get pod metrics: ${(e as Error).message}`);
      }
    }
    if (positional.length > 1) throw new UsageError('stats: at most one ID');
    const filter = {
      id: (flags.id as string | undefined) || positional[0] || '',
      podSandboxId: (flags.pod as string | undefined) ?? '',
      labelSelector: parseLabels(flags.label as string[] | undefined),
    };
    try {
      await display(ctx, 'stats', flags, {
        fetch: async () => (await ctx.runtime.call(ListContainerStats, { filter })).stats.sort(byAttributesId),
        doc: (stats) => ({ stats: stats.map((s) => protoJson(s)) }),
        table: (a, b) => containerStatsTable(a, b, flags.all === true),
      });
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new Error(`get container stats: ${(e as Error).message}`);
    }
  },
};
