// berthd's one observer: told of every call by the gRPC server (CallObserver)
// and of every container state change by the container manager, it turns
// each call's Op into the three views — Prometheus series (when [metrics] is
// on), OpenTelemetry spans (when [tracing] has an endpoint) and the pod's
// timeline (always; kept in the pod's record). Wiring only: it sits beside
// the daemon, above the managers it reads.
import type { CallObserver, CallScope, Handlers } from '../api/server.js';
import type { Headers } from '../api/h2-server.js';
import { methods, type MethodName } from '../api/method-table.js';
import type { BerthConfig } from '../config/schema.js';
import type { ContainerManager } from '../container/manager.js';
import type { ContainerRecord } from '../container/record.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';
import { podKey } from '../pod/sandbox-plan.js';
import { Code, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { loadImpl } from './load-impl.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { Op, runInOp, type PhaseError } from './op.js';
import { CONTAINER_START_PHASES, POD_START_PHASES, type Gauges, type MetricsSink, type PullFailureCause, type TraceSink } from './sinks.js';
import { appendEntries, entriesOfContainer, entryFromOp, type TimelineEntry } from './timeline.js';

/** Calls whose phases feed the timeline (and the start histograms): always observed. */
const PHASED = new Set<MethodName>(['RunPodSandbox', 'CreateContainer', 'StartContainer', 'PullImage']);
/** Failed pod starts waiting for a successful retry of the same pod (name, namespace, uid, attempt). */
const MAX_PENDING_PODS = 256;

interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  attempt?: number;
}
interface ReqShape {
  config?: { metadata?: Meta };
  sandboxConfig?: { metadata?: Meta };
  podSandboxId?: string;
  containerId?: string;
  image?: { image?: string };
}
interface ResShape {
  podSandboxId?: string;
  containerId?: string;
}

export interface ObserverDeps {
  pods: SandboxManager;
  containers: ContainerManager;
}

export class Observer implements CallObserver {
  private deps: ObserverDeps | undefined;
  private readonly pending = new Map<string, TimelineEntry[]>();

  private constructor(
    private readonly log: Logger,
    private readonly metrics: MetricsSink | undefined,
    private readonly tracer: TraceSink | undefined,
    private readonly server: MetricsServer | undefined,
  ) {}

  /** Loads the metrics and tracing implementations the configuration asks for (none: nothing is loaded). */
  static async create(config: BerthConfig, log: Logger, version: string): Promise<Observer> {
    let metrics: MetricsSink | undefined;
    let server: MetricsServer | undefined;
    let tracer: TraceSink | undefined;
    let self: Observer | undefined;
    if (config.metrics.enabled) {
      metrics = (await loadImpl('metrics')).createMetricsSink(() => self?.gauges() ?? emptyGauges());
      server = await startMetricsServer(config.metrics.listen, config.metrics.allow_remote, metrics);
      log.info('metrics served', { url: `http://${server.address}/metrics` });
    }
    try {
      if (config.tracing.endpoint) {
        tracer = (await loadImpl('tracing')).createTraceSink({ endpoint: config.tracing.endpoint, samplingRate: config.tracing.sampling_rate, serviceVersion: version });
        log.info('tracing on', { endpoint: config.tracing.endpoint, sampling_rate: config.tracing.sampling_rate });
      }
    } catch (e) {
      await server?.close();
      throw e;
    }
    self = new Observer(log, metrics, tracer, server);
    return self;
  }

  get metricsAddress(): string | undefined {
    return this.server?.address;
  }

  attach(deps: ObserverDeps): void {
    this.deps = deps;
  }

  async close(): Promise<void> {
    await this.server?.close();
    await this.tracer?.close().catch((e: unknown) => this.log.warn('flushing traces failed', { error: errorMessage(e) }));
  }

  // ---- calls -----------------------------------------------------------

  begin(method: MethodName, headers: Headers, req: unknown): CallScope | undefined {
    if (!this.metrics && !this.tracer && !PHASED.has(method)) return undefined;
    const op = new Op(method);
    if (method === 'PullImage') this.metrics?.pullStarted();
    return {
      run: (fn) => runInOp(op, fn),
      end: (code, message, res) => {
        try {
          this.end(op, method, headers, req as ReqShape, code, message, res as ResShape | undefined);
        } catch (e) {
          this.log.warn('observing a call failed', { method, error: errorMessage(e) });
        }
      },
    };
  }

  private end(op: Op, method: MethodName, headers: Headers, req: ReqShape, code: Code, message: string, res: ResShape | undefined): void {
    const t1 = performance.now();
    const codeName = Code[code] ?? String(code);
    this.metrics?.rpc(method, codeName, (t1 - op.t0) / 1000);
    const error: PhaseError | undefined = code === Code.OK ? undefined : { layer: layerOf(message), message };
    const attrs: Record<string, string | number> = {};
    if (method === 'RunPodSandbox') this.podStarted(op, t1, req, res, error, attrs);
    else if (method === 'CreateContainer') this.containerCall('container create', op, t1, req.podSandboxId ?? '', req.config?.metadata, res?.containerId, error, attrs);
    else if (method === 'StartContainer') {
      const rec = req.containerId ? this.deps?.containers.get(req.containerId) ?? safe(() => this.deps?.containers.resolve(req.containerId as string)) : undefined;
      const meta = rec ? this.deps?.containers.configOf(rec).metadata : undefined;
      this.containerCall('container start', op, t1, rec?.podId ?? '', meta, rec?.id, error, attrs);
    } else if (method === 'PullImage') this.pulled(op, t1, req, code, error, attrs);
    this.tracer?.export({
      method,
      path: methods[method].path,
      op,
      ...(headers.traceparent ? { traceparent: headers.traceparent } : {}),
      ...(headers.tracestate ? { tracestate: headers.tracestate } : {}),
      code: codeName,
      message,
      t0: op.t0,
      t1,
      attrs,
    });
  }

  private podStarted(op: Op, t1: number, req: ReqShape, res: ResShape | undefined, error: PhaseError | undefined, attrs: Record<string, string | number>): void {
    const meta = req.config?.metadata;
    if (meta) Object.assign(attrs, { 'k8s.namespace.name': meta.namespace ?? '', 'k8s.pod.name': meta.name ?? '', 'k8s.pod.uid': meta.uid ?? '' });
    if (res?.podSandboxId) attrs['berth.pod.id'] = res.podSandboxId;
    // A retry answered with the existing pod did nothing: no entry, no samples.
    if (!error && op.phases.length === 0) return;
    const entry = entryFromOp('pod start', op, t1, error);
    const key = meta ? podKey({ name: meta.name ?? '', namespace: meta.namespace ?? '', uid: meta.uid ?? '', attempt: meta.attempt ?? 0 }) : '';
    if (error) {
      // The pod's record is gone (a failed start is rolled back): kept until a retry of the same pod succeeds.
      if (!key) return;
      this.pending.delete(key);
      this.pending.set(key, appendEntries(this.pending.get(key), entry));
      if (this.pending.size > MAX_PENDING_PODS) this.pending.delete(this.pending.keys().next().value as string);
      return;
    }
    for (const p of op.phases) if (!p.parent && (POD_START_PHASES as readonly string[]).includes(p.name)) this.metrics?.startPhase('pod', p.name, (p.t1 - p.t0) / 1000);
    const earlier = this.pending.get(key) ?? [];
    this.pending.delete(key);
    if (res?.podSandboxId) this.appendToPod(res.podSandboxId, ...earlier, entry);
  }

  private containerCall(
    kind: 'container create' | 'container start',
    op: Op,
    t1: number,
    podId: string,
    meta: Meta | undefined,
    containerId: string | undefined,
    error: PhaseError | undefined,
    attrs: Record<string, string | number>,
  ): void {
    if (podId) attrs['berth.pod.id'] = podId;
    if (meta?.name) attrs['k8s.container.name'] = meta.name;
    if (containerId) attrs['berth.container.id'] = containerId;
    if (!error) {
      for (const p of op.phases) if (!p.parent && (CONTAINER_START_PHASES as readonly string[]).includes(p.name)) this.metrics?.startPhase('container', p.name, (p.t1 - p.t0) / 1000);
    }
    if (!podId) return;
    this.appendToPod(podId, entryFromOp(kind, op, t1, error, { ...(meta?.name ? { container: meta.name, attempt: meta.attempt ?? 0 } : {}), ...(containerId ? { containerId } : {}) }));
  }

  private pulled(op: Op, t1: number, req: ReqShape, code: Code, error: PhaseError | undefined, attrs: Record<string, string | number>): void {
    let bytes = 0;
    for (const p of op.phases) if (p.name === 'layer' && typeof p.attrs?.bytes === 'number') bytes += p.attrs.bytes;
    const image = req.image?.image ?? '';
    attrs['berth.image'] = image;
    attrs['berth.image.bytes'] = bytes;
    this.metrics?.pullEnded({ ok: !error, seconds: (t1 - op.t0) / 1000, bytes, ...(error ? { cause: pullFailureCause(code) } : {}) });
    // A pull the kubelet made for a pod (PullImageRequest.sandbox_config) belongs to that pod's start.
    const meta = req.sandboxConfig?.metadata;
    if (!meta || !this.deps) return;
    const key = podKey({ name: meta.name ?? '', namespace: meta.namespace ?? '', uid: meta.uid ?? '', attempt: meta.attempt ?? 0 });
    const pod = this.deps.pods.list().find((r) => podKey(r.metadata) === key && r.phase === 'ready');
    if (pod) this.appendToPod(pod.id, entryFromOp('image pull', op, t1, error, { image, bytes }));
  }

  // ---- container changes (not calls: exits are noticed by inotify) ----------

  containerChanged(rec: ContainerRecord, kind: 'created' | 'started' | 'stopped' | 'deleted'): void {
    if (kind === 'started') this.metrics?.container('started');
    if (kind !== 'stopped') return;
    const oom = rec.reason === 'OOMKilled';
    this.metrics?.container(oom ? 'oom_killed' : 'exited');
    const meta = safe(() => this.deps?.containers.configOf(rec).metadata);
    const at = Number(BigInt(rec.finishedAt) / 1_000_000n) || Date.now();
    this.appendToPod(rec.podId, {
      at,
      kind: 'container exit',
      ok: rec.exitCode === 0,
      ...(meta?.name ? { container: meta.name, attempt: meta.attempt } : {}),
      containerId: rec.id,
      exitCode: rec.exitCode,
      reason: rec.reason,
    });
  }

  // ---- the timeline in verbose status ----------------------------------------

  /** PodSandboxStatus and ContainerStatus with verbose set also carry info["timeline"] (JSON). */
  decorate(handlers: Handlers): void {
    const podStatus = handlers.PodSandboxStatus;
    if (podStatus) {
      handlers.PodSandboxStatus = async (req, ctx) => {
        const res = await podStatus(req, ctx);
        const id = res.status?.id;
        if (req.verbose && id) res.info = { ...res.info, timeline: JSON.stringify(this.deps?.pods.store.get(id)?.timeline ?? []) };
        return res;
      };
    }
    const ctrStatus = handlers.ContainerStatus;
    if (ctrStatus) {
      handlers.ContainerStatus = async (req, ctx) => {
        const res = await ctrStatus(req, ctx);
        const id = res.status?.id;
        const rec = id ? this.deps?.containers.get(id) : undefined;
        if (req.verbose && rec) {
          const name = res.status?.metadata?.name ?? '';
          res.info = { ...res.info, timeline: JSON.stringify(entriesOfContainer(this.deps?.pods.store.get(rec.podId)?.timeline, name)) };
        }
        return res;
      };
    }
  }

  private appendToPod(podId: string, ...entries: TimelineEntry[]): void {
    const store = this.deps?.pods.store;
    const rec = store?.get(podId);
    if (!store || !rec) return;
    rec.timeline = appendEntries(rec.timeline, ...entries);
    store.put(rec).catch((e: unknown) => this.log.warn('cannot record the pod timeline', { pod: podId, error: errorMessage(e) }));
  }

  private gauges(): Gauges {
    const g = emptyGauges();
    if (!this.deps) return g;
    for (const p of this.deps.pods.list()) {
      if (p.phase === 'ready') g.podsReady++;
      else g.podsNotReady++;
      if (p.infra && !p.infra.released && p.infra.pid) g.monitors++;
    }
    for (const c of this.deps.containers.all()) {
      if (c.state === 'created' || c.state === 'running') {
        g.containers[c.state]++;
        g.monitors++;
      } else if (c.state === 'exited') g.containers.exited++;
    }
    return g;
  }
}

function emptyGauges(): Gauges {
  return { podsReady: 0, podsNotReady: 0, containers: { created: 0, running: 0, exited: 0 }, monitors: 0 };
}

/** The layer a BerthError message starts with ("network: …"). */
function layerOf(message: string): string {
  return /^([a-z]+): /.exec(message)?.[1] ?? 'internal';
}

export function pullFailureCause(code: Code): PullFailureCause {
  switch (code) {
    case Code.NotFound:
      return 'not_found';
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return 'unauthorized';
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return 'unreachable';
    case Code.DataLoss:
      return 'bad_content';
    case Code.ResourceExhausted:
      return 'no_space';
    case Code.InvalidArgument:
      return 'invalid_reference';
    case Code.Cancelled:
      return 'cancelled';
    default:
      return 'other';
  }
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

