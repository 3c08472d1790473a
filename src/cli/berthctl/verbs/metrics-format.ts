// Pure: CRI metric descriptors and pod metrics → the Prometheus text
// exposition format, as the kubelet would serve them on /metrics/cadvisor
// (what `berthctl stats --metrics` prints).
import { MetricType, type MetricDescriptor, type PodSandboxMetrics } from '../../../api/gen/api.js';

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

export function prometheusText(descriptors: readonly MetricDescriptor[], pods: readonly PodSandboxMetrics[]): string {
  const byName = new Map<string, string[]>();
  const types = new Map<string, MetricType>();
  for (const p of pods) {
    for (const m of [...p.metrics, ...p.containerMetrics.flatMap((c) => c.metrics)]) {
      const d = descriptors.find((x) => x.name === m.name);
      // The kubelet drops a sample without a descriptor or with a wrong label count; so does this.
      if (!d || d.labelKeys.length !== m.labelValues.length) continue;
      const labels = d.labelKeys.map((k, i) => `${k}="${escapeLabel(m.labelValues[i] ?? '')}"`).join(',');
      const ms = m.timestamp > 0n ? ` ${m.timestamp / 1_000_000n}` : '';
      const line = `${m.name}{${labels}} ${(m.value?.value ?? 0n).toString()}${ms}`;
      const lines = byName.get(m.name);
      if (lines) lines.push(line);
      else byName.set(m.name, [line]);
      types.set(m.name, m.metricType);
    }
  }
  const out: string[] = [];
  for (const d of descriptors) {
    const lines = byName.get(d.name);
    if (!lines) continue;
    out.push(`# HELP ${d.name} ${escapeHelp(d.help)}`, `# TYPE ${d.name} ${types.get(d.name) === MetricType.COUNTER ? 'counter' : 'gauge'}`, ...lines);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
