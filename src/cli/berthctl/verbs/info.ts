// berthctl info: the runtime's verbose Status, as crictl prints it: the
// status object, the runtime handlers with their features and the runtime's
// features (as crictl ≥ 1.30 shows them), plus every info entry decoded from
// its JSON text.
import { RuntimeFeatures, RuntimeHandler, RuntimeStatus } from '../../../api/gen/api.js';
import { Status } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseOutputFlag, printObject } from '../../common/print.js';

export const verb: Verb = {
  summary: 'Display information of the container runtime',
  usage: `Usage: berthctl info [-o json|yaml|go-template] [-q]

Options:
  --output value, -o value  Output format, One of: json|yaml|go-template (default: "json")
  --quiet, -q               Do not show verbose information`,
  async run(ctx, args) {
    const { format, rest } = parseOutputFlag(args, 'json');
    const quiet = rest.includes('-q') || rest.includes('--quiet');
    const extra = rest.filter((a) => a !== '-q' && a !== '--quiet');
    if (extra.length) throw new UsageError(`info: unexpected arguments ${extra.join(' ')}`);
    const res = await ctx.runtime.call(Status, { verbose: !quiet });
    const out: Record<string, unknown> = {
      status: res.status ? RuntimeStatus.toJSON(res.status) : {},
      runtimeHandlers: res.runtimeHandlers.map((h) => RuntimeHandler.toJSON(h)),
      features: res.features ? RuntimeFeatures.toJSON(res.features) : {},
    };
    for (const [k, v] of Object.entries(res.info)) {
      try {
        out[k] = JSON.parse(v);
      } catch {
        out[k] = v;
      }
    }
    printObject(ctx, out, format ?? 'json');
  },
};
