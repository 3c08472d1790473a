// berthctl metricdescs: crictl's ListMetricDescriptors, as JSON or YAML.
import { ListMetricDescriptorsResponse } from '../../../api/gen/api.js';
import { ListMetricDescriptors } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseOutputFlag, printObject } from '../../common/print.js';

export const verb: Verb = {
  summary: 'List metric descriptors',
  usage: `Usage: berthctl metricdescs [command options]

Options:
  --output value, -o value  Output format, One of: json|yaml (default: "json")`,
  async run(ctx, args) {
    const { format, rest } = parseOutputFlag(args, 'json');
    if (rest.length) throw new UsageError(`metricdescs takes no arguments (got ${rest.join(' ')})`);
    const res = await ctx.runtime.call(ListMetricDescriptors, {});
    printObject(ctx, ListMetricDescriptorsResponse.toJSON(res), format === 'table' ? 'json' : (format ?? 'json'));
  },
};
