// berthctl metricsp: crictl's pod metrics — ListPodSandboxMetrics as JSON or
// YAML, or with -o prometheus in the exposition format the kubelet serves.
import { ListPodSandboxMetricsResponse } from '../../../api/gen/api.js';
import { ListMetricDescriptors, ListPodSandboxMetrics } from '../../../api/methods.js';
import { UsageError, type CliContext, type Verb } from '../../common/cli-context.js';
import { printObject } from '../../common/print.js';
import { prometheusText } from './metrics-format.js';

/** Descriptors and metrics in Prometheus text (also `berthctl stats --metrics`). */
export async function printPrometheus(ctx: CliContext): Promise<void> {
  const [d, m] = await Promise.all([ctx.runtime.call(ListMetricDescriptors, {}), ctx.runtime.call(ListPodSandboxMetrics, {})]);
  const text = prometheusText(d.descriptors, m.podMetrics);
  if (text) ctx.print(text.trimEnd());
}

export const verb: Verb = {
  summary: 'List pod metrics (cAdvisor-compatible)',
  usage: `Usage: berthctl metricsp [command options]

Options:
  --output value, -o value  Output format, One of: json|yaml|prometheus (default: "json")`,
  async run(ctx, args) {
    let format = 'json';
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === '-o' || a === '--output') format = args[++i] ?? '';
      else if (a.startsWith('--output=') || a.startsWith('-o=')) format = a.slice(a.indexOf('=') + 1);
      else throw new UsageError(`metricsp takes no arguments (got ${a})`);
    }
    try {
      if (format === 'prometheus') return await printPrometheus(ctx);
      if (format !== 'json' && format !== 'yaml') throw new UsageError(`unsupported output format "${format}": use json, yaml or prometheus`);
      const res = await ctx.runtime.call(ListPodSandboxMetrics, {});
      printObject(ctx, ListPodSandboxMetricsResponse.toJSON(res), format);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new Error(`list pod metrics: ${(e as Error).message}`);
    }
  },
};
