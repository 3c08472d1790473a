// Loads the metrics or tracing implementation only when the configuration
// asks for it. prom-client costs 30–40 ms to load and the OpenTelemetry SDK
// more; a daemon with them off, and the CLIs, must pay nothing. The built
// berthd finds them as separate bundles beside itself
// (dist/observe-metrics.js, dist/observe-tracing.js: scripts/build.mjs); run
// from sources (tests under tsx) it imports the TypeScript modules.
import type { MetricsSinkFactory, TraceSinkFactory } from './sinks.js';

type Impls = { metrics: MetricsSinkFactory; tracing: TraceSinkFactory };

export async function loadImpl<K extends keyof Impls>(name: K): Promise<Impls[K]> {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL(`./${name}-impl.ts`, here) : new URL(`./observe-${name}.js`, here);
  const mod = (await import(url.href)) as { default: Impls[K] };
  return mod.default;
}
