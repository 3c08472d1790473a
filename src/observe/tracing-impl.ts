// OpenTelemetry traces over the official JS SDK and its OTLP/HTTP (protobuf)
// exporter, loaded only when [tracing] endpoint is set (see load-impl.ts).
// Spans are made after a call answered, from its Op: the call's span (kind
// SERVER, joined to the caller's W3C traceparent) and a child per phase with
// the phase's own start and end, CNI plugins under `cni`. Nothing of the SDK
// runs while a pod starts; the batch exporter sends in the background.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, trace, type Context, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { PhaseRecord } from './op.js';
import type { TraceSink, TraceSinkFactory, TracedCall } from './sinks.js';

/** Exported in batches at most this long after a call: traces show up quickly, one request per second at most. */
const EXPORT_DELAY_MS = 1000;

export function createTraceSink(o: { endpoint: string; samplingRate: number; serviceVersion: string }): TraceSink {
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: o.endpoint }), { scheduledDelayMillis: EXPORT_DELAY_MS });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'berthd', 'service.version': o.serviceVersion }),
    // A caller's sampled flag is followed; calls without a traceparent are sampled at the configured rate.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(o.samplingRate) }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('berthd', o.serviceVersion);
  const propagator = new W3CTraceContextPropagator();

  const fail = (span: Span, layer: string, message: string): void => {
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.setAttribute('berth.error.layer', layer);
    // The message carries the tool's command and stderr excerpt (BerthError): an event, as exceptions are recorded.
    span.addEvent('exception', { 'exception.type': layer, 'exception.message': message });
  };

  return {
    export(call: TracedCall): void {
      const carrier: Record<string, string> = {};
      if (call.traceparent) carrier.traceparent = call.traceparent;
      if (call.tracestate) carrier.tracestate = call.tracestate;
      const parent = call.traceparent ? propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter) : ROOT_CONTEXT;
      const [service, method] = splitPath(call.path);
      const span = tracer.startSpan(
        `${service}/${method}`,
        { kind: SpanKind.SERVER, startTime: wall(call.t0), attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method, 'rpc.grpc.status_code': codeNumber(call.code), ...call.attrs } },
        parent,
      );
      if (!span.isRecording()) return;
      if (call.code !== 'OK') fail(span, /^([a-z]+): /.exec(call.message)?.[1] ?? 'internal', call.message);
      const ctx = trace.setSpan(parent, span);
      const made = new Map<string, Context>();
      // Parents first: a phase is recorded when it ends, after the phases inside it.
      const ordered = [...call.op.phases].sort((a, b) => depth(a) - depth(b) || a.t0 - b.t0);
      for (const p of ordered) {
        const child = tracer.startSpan(p.name, { startTime: wall(p.t0), ...(p.attrs ? { attributes: p.attrs } : {}) }, (p.parent && made.get(p.parent)) || ctx);
        if (p.error) fail(child, p.error.layer, p.error.message);
        child.end(wall(p.t1));
        if (!made.has(p.name)) made.set(p.name, trace.setSpan(ctx, child));
      }
      span.end(wall(call.t1));
    },
    flush: () => provider.forceFlush(),
    close: () => provider.shutdown(),
  };
}

/**
 * performance.now() → epoch milliseconds. Given performance.now() values the SDK adds an offset it
 * measures per span, so a child could start before its parent; epoch values are taken as they are.
 */
function wall(perf: number): number {
  return performance.timeOrigin + perf;
}

function depth(p: PhaseRecord): number {
  return p.parent ? 1 : 0;
}

/** "/runtime.v1.RuntimeService/RunPodSandbox" → service and method. */
function splitPath(path: string): [string, string] {
  const i = path.lastIndexOf('/');
  return [path.slice(1, i), path.slice(i + 1)];
}

const CODES = ['OK', 'Cancelled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];
function codeNumber(name: string): number {
  const i = CODES.indexOf(name);
  return i < 0 ? 2 : i;
}

export default { createTraceSink } satisfies TraceSinkFactory;
