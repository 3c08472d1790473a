// berthctl statsp [ID]: crictl's pod statistics — POD, POD ID, CPU %, MEM
// from two ListPodSandboxStats samples; filters by id (prefix) and labels;
// -o json|yaml; -w to watch.
import { ListPodSandboxStats } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { protoJson } from './container-format.js';
import { parseLabels } from './container-list.js';
import { parseFlags } from './flags.js';
import { DISPLAY_FLAGS, display } from './stats-display.js';
import { byAttributesId, podStatsTable } from './stats-format.js';

export const verb: Verb = {
  summary: 'List pod statistics',
  usage: `Usage: berthctl statsp [command options] [ID]

List pod statistics. Stats represent a structured API that will fulfill the Kubelet's /stats/summary endpoint.

Options:
  --id value                 Filter by pod id
  --label value              Filter by key=value label (may be repeated)
  --output value, -o value   Output format, One of: json|yaml|table
  --seconds value, -s value  Sample duration for CPU usage in seconds (default: 1)
  --watch, -w                Watch pod resources`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('statsp', args, { ...DISPLAY_FLAGS, id: { kind: 'string' }, label: { kind: 'strings' } });
    if (positional.length > 1) throw new UsageError('statsp: at most one ID');
    const filter = { id: (flags.id as string | undefined) || positional[0] || '', labelSelector: parseLabels(flags.label as string[] | undefined) };
    try {
      await display(ctx, 'statsp', flags, {
        fetch: async () => (await ctx.runtime.call(ListPodSandboxStats, { filter })).stats.sort(byAttributesId),
        doc: (stats) => ({ stats: stats.map((s) => protoJson(s)) }),
        table: (a, b) => podStatsTable(a, b),
      });
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new Error(`get pod stats: ${(e as Error).message}`);
    }
  },
};
