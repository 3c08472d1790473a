// berthd's Prometheus metrics over prom-client (loaded only with [metrics]
// enabled; bundled apart from berthd: see load-impl.ts). Names follow the
// Prometheus conventions: berth_ prefix, base units (_seconds, _bytes),
// counters end in _total. No label carries an id, a name or an image
// reference: methods, gRPC codes, phases and failure causes are fixed sets.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Gauges, MetricsSink, MetricsSinkFactory, PullFailureCause } from './sinks.js';

// RPC latencies: List and Status calls answer in well under a millisecond, RunPodSandbox takes tens to hundreds.
const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// One start phase: from a sub-millisecond record write to a CNI chain of a second or more.
const PHASE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const PULL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createMetricsSink(gauges: () => Gauges): MetricsSink {
  const registry = new Registry();
  const r = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'berth_' });
  const rpcs = new Counter({ name: 'berth_grpc_requests_total', help: 'CRI (and berth.v1) calls answered, by method and gRPC status code', labelNames: ['method', 'code'], registers: r });
  const rpcSeconds = new Histogram({
    name: 'berth_grpc_request_duration_seconds',
    help: 'Time from a decoded request to its answer, by method and gRPC status code',
    labelNames: ['method', 'code'],
    buckets: RPC_BUCKETS,
    registers: r,
  });
  const podPhase = new Histogram({
    name: 'berth_pod_start_phase_duration_seconds',
    help: 'Each phase of a successful RunPodSandbox (intent, namespaces, files, cni, sysctls, infra, persist; namespaces, files and infra overlap cni)',
    labelNames: ['phase'],
    buckets: PHASE_BUCKETS,
    registers: r,
  });
  const containerPhase = new Histogram({
    name: 'berth_container_start_phase_duration_seconds',
    help: 'Each phase of a successful CreateContainer (intent, rootfs, spec, bundle, conmon+create, persist) and StartContainer (runtime start)',
    labelNames: ['phase'],
    buckets: PHASE_BUCKETS,
    registers: r,
  });
  const pulls = new Counter({ name: 'berth_image_pulls_total', help: 'PullImage calls finished, successful or not', registers: r });
  const pullFailures = new Counter({ name: 'berth_image_pull_failures_total', help: 'PullImage calls that failed, by cause', labelNames: ['cause'], registers: r });
  const pullBytes = new Counter({ name: 'berth_image_pull_bytes_total', help: 'Layer bytes downloaded and verified by pulls (layers already on the node count nothing)', registers: r });
  const pullSeconds = new Histogram({ name: 'berth_image_pull_duration_seconds', help: 'Duration of PullImage calls, successful or not', buckets: PULL_BUCKETS, registers: r });
  const pullsInFlight = new Gauge({ name: 'berth_image_pulls_in_flight', help: 'PullImage calls running now', registers: r });
  const started = new Counter({ name: 'berth_containers_started_total', help: 'Containers started (StartContainer succeeded)', registers: r });
  const exited = new Counter({ name: 'berth_containers_exited_total', help: 'Container exits berthd recorded (any exit code, OOM kills included)', registers: r });
  const oom = new Counter({ name: 'berth_containers_oom_killed_total', help: 'Container exits that were OOM kills (conmon found an oom event)', registers: r });
  const current = (): Gauges => gauges();
  new Gauge({
    name: 'berth_pods',
    help: 'Pod sandboxes known to berthd, by state (ready, notready)',
    labelNames: ['state'],
    registers: r,
    collect() {
      const g = current();
      this.set({ state: 'ready' }, g.podsReady);
      this.set({ state: 'notready' }, g.podsNotReady);
    },
  });
  new Gauge({
    name: 'berth_containers',
    help: 'Containers known to berthd, by state (created, running, exited)',
    labelNames: ['state'],
    registers: r,
    collect() {
      const g = current();
      for (const [state, n] of Object.entries(g.containers)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'berth_monitor_processes',
    help: 'conmon processes berthd supervises (created or running containers and running infra processes)',
    registers: r,
    collect() {
      this.set(current().monitors);
    },
  });
  // Zero series exist from the start, so rate() and absent() work before the first failure.
  for (const cause of ['not_found', 'unauthorized', 'unreachable', 'bad_content', 'no_space', 'invalid_reference', 'cancelled', 'other'] satisfies PullFailureCause[]) {
    pullFailures.inc({ cause }, 0);
  }
  return {
    rpc: (method, code, seconds) => {
      rpcs.inc({ method, code });
      rpcSeconds.observe({ method, code }, seconds);
    },
    startPhase: (kind, phase, seconds) => (kind === 'pod' ? podPhase : containerPhase).observe({ phase }, seconds),
    pullStarted: () => pullsInFlight.inc(),
    pullEnded: (p) => {
      pullsInFlight.dec();
      pulls.inc();
      pullSeconds.observe(p.seconds);
      if (p.bytes > 0) pullBytes.inc(p.bytes);
      if (!p.ok) pullFailures.inc({ cause: p.cause ?? 'other' });
    },
    container: (event) => {
      if (event === 'started') started.inc();
      else {
        exited.inc();
        if (event === 'oom_killed') oom.inc();
      }
    },
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

export default { createMetricsSink } satisfies MetricsSinkFactory;
