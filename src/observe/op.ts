// What one CRI call did, phase by phase: the one record that metrics, traces
// and the per-pod timeline are all made from, so the three views cannot
// disagree. A leaf like util/: pod, container and image code may import it.
//
// The call's Op travels with the async context (AsyncLocalStorage), so the
// steps that already time themselves (StepTimer, the pod's `timed`, a CNI
// plugin, a layer) record into it without every signature in between taking
// a parameter. Outside a call (exits, recovery) there is no Op and recording
// is a no-op. Spans are made from these records after the call, so the SDK
// is never on the request path.
import { AsyncLocalStorage } from 'node:async_hooks';
import { BerthError } from '../util/errors.js';

export type Attrs = Record<string, string | number>;

export interface PhaseError {
  layer: string;
  /** The error message (it carries the tool's command and stderr excerpt). */
  message: string;
}

export interface PhaseRecord {
  name: string;
  /** Name of the enclosing phase (a CNI plugin inside `cni`); absent: directly under the call. */
  parent?: string;
  /** performance.now() at start and end (ms). */
  t0: number;
  t1: number;
  attrs?: Attrs;
  error?: PhaseError;
}

/** Phases kept per call: a pull of a 200-layer image must not grow a record without bound. */
export const MAX_PHASES = 256;

export class Op {
  readonly t0 = performance.now();
  readonly phases: PhaseRecord[] = [];

  constructor(readonly method: string) {}

  record(name: string, t0: number, t1: number, extra?: { parent?: string; attrs?: Attrs; error?: PhaseError }): void {
    if (this.phases.length >= MAX_PHASES) return;
    // A phase timed from a promise already running (`timed(ms, 'cni', attach())`) is noticed a
    // moment after its first child began: it started no later than that child.
    let start = t0;
    for (const p of this.phases) if (p.parent === name && p.t0 < start) start = p.t0;
    this.phases.push({ name, t0: start, t1, ...extra });
  }
}

const context = new AsyncLocalStorage<Op>();

export function currentOp(): Op | undefined {
  return context.getStore();
}

export function runInOp<T>(op: Op, fn: () => T): T {
  return context.run(op, fn);
}

/** The layer and message of a failure, as spans and the timeline show it. */
export function phaseError(e: unknown): PhaseError {
  if (e instanceof BerthError) return { layer: e.layer, message: e.message };
  return { layer: 'internal', message: e instanceof Error ? e.message : String(e) };
}

/**
 * Times `work` as phase `name` of the current call (if any). `attrs` may be
 * filled while the work runs (bytes of a layer); it is read at the end.
 */
export async function phase<T>(name: string, work: Promise<T> | (() => Promise<T>), opts?: { parent?: string; attrs?: Attrs }): Promise<T> {
  const op = context.getStore();
  if (!op) return typeof work === 'function' ? work() : work;
  const t0 = performance.now();
  try {
    const r = await (typeof work === 'function' ? work() : work);
    op.record(name, t0, performance.now(), opts);
    return r;
  } catch (e) {
    op.record(name, t0, performance.now(), { ...opts, error: phaseError(e) });
    throw e;
  }
}
