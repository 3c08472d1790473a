// The two optional consumers of what berthd observes, as plain interfaces:
// their implementations (metrics-impl.ts over prom-client, tracing-impl.ts
// over the OpenTelemetry SDK) are loaded only when configured (load-impl.ts),
// so a daemon with both off, and the CLIs, never load either library.
import type { Op } from './op.js';

/** Why a pull failed; a fixed set so the label's cardinality is bounded. */
export const PULL_FAILURE_CAUSES = ['not_found', 'unauthorized', 'unreachable', 'bad_content', 'no_space', 'invalid_reference', 'cancelled', 'other'] as const;
export type PullFailureCause = (typeof PULL_FAILURE_CAUSES)[number];

/** Phases of a start that get a histogram (the labels' fixed set); others (per plugin, per layer) are traced only. */
export const POD_START_PHASES = ['intent', 'namespaces', 'files', 'cni', 'sysctls', 'infra', 'persist'] as const;
export const CONTAINER_START_PHASES = ['intent', 'rootfs', 'spec', 'bundle', 'conmon+create', 'persist', 'runtime start'] as const;

/** Counts read at scrape time from berthd's memory (no bookkeeping on the request path). */
export interface Gauges {
  podsReady: number;
  podsNotReady: number;
  containers: Record<'created' | 'running' | 'exited', number>;
  /** conmon processes berthd supervises: created/running containers and running infra processes. */
  monitors: number;
}

export interface MetricsSink {
  rpc(method: string, code: string, seconds: number): void;
  /** A successful start's phases (seconds each), kind 'pod' (RunPodSandbox) or 'container' (CreateContainer + StartContainer). */
  startPhase(kind: 'pod' | 'container', phase: string, seconds: number): void;
  pullStarted(): void;
  pullEnded(r: { ok: boolean; seconds: number; bytes: number; cause?: PullFailureCause }): void;
  container(event: 'started' | 'exited' | 'oom_killed'): void;
  /** The Prometheus text exposition and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsSinkFactory {
  createMetricsSink(gauges: () => Gauges): MetricsSink;
}

export interface TracedCall {
  method: string;
  /** gRPC path: /runtime.v1.RuntimeService/RunPodSandbox. */
  path: string;
  op: Op;
  /** W3C trace context the caller sent, if any. */
  traceparent?: string;
  tracestate?: string;
  /** gRPC status name ('OK', 'Internal' …) and message. */
  code: string;
  message: string;
  /** performance.now() at the start and end of the call. */
  t0: number;
  t1: number;
  attrs: Record<string, string | number>;
}

export interface TraceSink {
  /** Makes the call's span and its phases' child spans (after the answer was sent). */
  export(call: TracedCall): void;
  /** Sends what is buffered. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface TraceSinkFactory {
  createTraceSink(o: { endpoint: string; samplingRate: number; serviceVersion: string }): TraceSink;
}
