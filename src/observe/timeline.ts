// The per-pod timeline: what happened to a pod and its containers, kept in
// the pod's record on disk (so it survives a berthd restart) and bounded in
// size. Pure: built from a call's Op (op.ts) and from container exits; shown
// by PodSandboxStatus/ContainerStatus verbose info (key "timeline") and
// rendered by `berth describe` (timeline-render.ts).
import type { Op, PhaseError } from './op.js';

export interface TimelinePhase {
  name: string;
  /** The enclosing phase (a CNI plugin inside cni). */
  parent?: string;
  /** Milliseconds from the entry's start. */
  startMs: number;
  ms: number;
  error?: PhaseError;
  /** Short facts: a plugin's type, a layer's digest and bytes. */
  detail?: string;
}

export type TimelineKind = 'pod start' | 'container create' | 'container start' | 'container exit' | 'image pull';

export interface TimelineEntry {
  /** Wall clock of the start, ms since the epoch. */
  at: number;
  kind: TimelineKind;
  ok: boolean;
  /** Duration of the call. */
  ms?: number;
  /** The container's CRI name and attempt (container entries). */
  container?: string;
  attempt?: number;
  containerId?: string;
  phases?: TimelinePhase[];
  error?: PhaseError;
  exitCode?: number;
  reason?: string;
  image?: string;
  /** Layer bytes downloaded by an image pull. */
  bytes?: number;
}

/** Entries kept per pod (oldest dropped first), phases per entry, characters per error message. */
export const MAX_ENTRIES = 64;
export const MAX_PHASES = 40;
export const MAX_MESSAGE = 1500;

const round = (ms: number): number => Math.round(ms * 10) / 10;

function clip(e: PhaseError | undefined): PhaseError | undefined {
  if (!e) return undefined;
  return e.message.length > MAX_MESSAGE ? { layer: e.layer, message: `${e.message.slice(0, MAX_MESSAGE)}…` } : e;
}

/** Wall-clock ms of a performance.now() value. */
export function wallOf(perf: number): number {
  return Math.round(performance.timeOrigin + perf);
}

/** The entry for one call: its phases relative to its start, and its failure. */
export function entryFromOp(kind: TimelineKind, op: Op, t1: number, error: PhaseError | undefined, extra: Partial<TimelineEntry> = {}): TimelineEntry {
  const phases: TimelinePhase[] = op.phases.slice(0, MAX_PHASES).map((p) => {
    const detail = p.attrs ? detailOf(p.attrs) : undefined;
    return {
      name: p.name,
      ...(p.parent ? { parent: p.parent } : {}),
      startMs: round(p.t0 - op.t0),
      ms: round(p.t1 - p.t0),
      ...(p.error ? { error: clip(p.error) as PhaseError } : {}),
      ...(detail ? { detail } : {}),
    };
  });
  phases.sort((a, b) => a.startMs - b.startMs);
  return { at: wallOf(op.t0), kind, ok: !error, ms: round(t1 - op.t0), ...extra, ...(phases.length ? { phases } : {}), ...(error ? { error: clip(error) as PhaseError } : {}) };
}

function detailOf(attrs: Record<string, string | number>): string | undefined {
  if (typeof attrs.digest === 'string') return `${attrs.digest.slice(0, 19)} ${attrs.bytes ?? 0}/${attrs.size ?? '?'} B`;
  return undefined;
}

/** Appends, keeping the newest MAX_ENTRIES in time order. */
export function appendEntries(list: readonly TimelineEntry[] | undefined, ...entries: TimelineEntry[]): TimelineEntry[] {
  const all = [...(list ?? []), ...entries].sort((a, b) => a.at - b.at);
  return all.length > MAX_ENTRIES ? all.slice(all.length - MAX_ENTRIES) : all;
}

/** A container's own entries (every attempt of its CRI name): what `describe CONTAINER` shows. */
export function entriesOfContainer(list: readonly TimelineEntry[] | undefined, name: string): TimelineEntry[] {
  return (list ?? []).filter((e) => e.container === name);
}
