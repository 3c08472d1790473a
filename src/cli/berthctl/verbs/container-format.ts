// Output shapes of the container verbs, as crictl prints them: protobuf-JSON
// with default values (EmitDefaultValues: unset messages left out, enums by
// name, 64-bit integers as strings), the ps table and verbose text, and
// inspect's {"info": …, "status": …} with RFC 3339 times and the keys sorted
// (crictl decodes into Go maps and re-encodes them).
import {
  ContainerState,
  containerStateToJSON,
  mountPropagationToJSON,
  signalToJSON,
  type Container,
  type ContainerStatus,
} from '../../../api/gen/api.js';
import { decodeInfo, humanDuration, rfc3339Nano, sortedEntries } from './pod-format.js';

/** Field path (dotted, lists transparent) → enum name mapper. */
export type EnumPaths = Partial<Record<string, (n: number) => string>>;

export const CONTAINER_ENUMS: EnumPaths = { state: containerStateToJSON };
export const STATUS_ENUMS: EnumPaths = { state: containerStateToJSON, stopSignal: signalToJSON, 'mounts.propagation': mountPropagationToJSON };

/** A decoded ts-proto message as protobuf-JSON with default values emitted. */
export function protoJson(value: unknown, enums: EnumPaths = {}, path = ''): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((v) => protoJson(v, enums, path));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const p = path ? `${path}.${k}` : k;
    const e = enums[p];
    out[k] = e && typeof v === 'number' ? e(v) : protoJson(v, enums, p);
  }
  return out;
}

/** Re-encodes objects with their keys sorted, as Go's encoding/json does for maps. */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeysDeep(o[k])]));
}

const STATE_WORDS: Record<number, string> = {
  [ContainerState.CONTAINER_CREATED]: 'Created',
  [ContainerState.CONTAINER_RUNNING]: 'Running',
  [ContainerState.CONTAINER_EXITED]: 'Exited',
  [ContainerState.CONTAINER_UNKNOWN]: 'Unknown',
};

export function containerStateWord(s: ContainerState): string {
  return STATE_WORDS[s] ?? 'Unknown';
}

/** The kubelet's labels; crictl shows "unknown" without them. */
export function podNameOf(labels: Record<string, string>): string {
  return labels['io.kubernetes.pod.name'] ?? 'unknown';
}
export function podNamespaceOf(labels: Record<string, string>): string {
  return labels['io.kubernetes.pod.namespace'] ?? 'unknown';
}

/** An image shown as a digest ("sha256:<64 hex>") is truncated like an id. */
function shortImage(image: string): string {
  const m = /^(sha256|sha384|sha512):([0-9a-f]+)$/.exec(image);
  return m ? (m[2] as string).slice(0, 13) : image;
}

export interface PsTableOptions {
  noTrunc: boolean;
  nowMs: number;
  /** --resolve-image-path: image → what to show instead. */
  imageNames?: Map<string, string>;
}

export function psTable(containers: readonly Container[], o: PsTableOptions): string[][] {
  const rows = [['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD', 'NAMESPACE']];
  for (const c of containers) {
    let image = c.image?.image ?? '';
    if (!o.noTrunc) image = shortImage(image);
    image = o.imageNames?.get(c.image?.image ?? '') ?? image;
    rows.push([
      o.noTrunc ? c.id : c.id.slice(0, 13),
      image,
      ago(c.createdAt, o.nowMs),
      containerStateWord(c.state),
      c.metadata?.name ?? '',
      String(c.metadata?.attempt ?? 0),
      o.noTrunc ? c.podSandboxId : c.podSandboxId.slice(0, 13),
      podNameOf(c.labels),
      podNamespaceOf(c.labels),
    ]);
  }
  return rows;
}

export function ago(ns: bigint, nowMs: number): string {
  return `${humanDuration(nowMs - Number(ns / 1_000_000n))} ago`;
}

/** ps -v: one block per container. */
export function psVerbose(c: Container, nowMs: number): string {
  const lines = [`ID: ${c.id}`, `PodID: ${c.podSandboxId}`, `Namespace: ${podNamespaceOf(c.labels)}`];
  if (c.metadata) {
    if (c.metadata.name) lines.push(`Name: ${c.metadata.name}`);
    lines.push(`Attempt: ${c.metadata.attempt}`);
  }
  lines.push(`State: ${containerStateWord(c.state)}`);
  if (c.image) lines.push(`Image: ${c.image.image}`);
  lines.push(`Created: ${ago(c.createdAt, nowMs)}`);
  lines.push(...mapBlock('Labels', c.labels), ...mapBlock('Annotations', c.annotations), '');
  return `${lines.join('\n')}\n`;
}

/** Go prints a map section only when the map is non-nil; protobuf decodes an empty map as nil. */
function mapBlock(title: string, m: Record<string, string>): string[] {
  const e = sortedEntries(m);
  return e.length ? [`${title}:`, ...e.map(([k, v]) => `\t${k} -> ${v}`)] : [];
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** inspect's "status": protobuf-JSON with the times as RFC 3339 (zero time when not reached). */
export function containerStatusJson(s: ContainerStatus): Record<string, unknown> {
  const o = protoJson(s, STATUS_ENUMS) as Record<string, unknown>;
  o.createdAt = rfc3339Nano(s.createdAt);
  o.startedAt = s.state !== ContainerState.CONTAINER_CREATED ? rfc3339Nano(s.startedAt) : ZERO_TIME;
  const finished = s.state === ContainerState.CONTAINER_EXITED || (s.state === ContainerState.CONTAINER_UNKNOWN && s.finishedAt > 0n);
  o.finishedAt = finished ? rfc3339Nano(s.finishedAt) : ZERO_TIME;
  return o;
}

/** inspect's document for one container (sorted keys, info decoded). */
export function inspectDocument(s: ContainerStatus, info: Record<string, string>, verbose: boolean): unknown {
  const doc: Record<string, unknown> = { status: containerStatusJson(s) };
  if (verbose) Object.assign(doc, decodeInfo(info));
  return sortKeysDeep(doc);
}

/** inspect -o table. */
export function inspectTable(s: ContainerStatus, info: Record<string, string>, verbose: boolean, nowMs: number): string {
  const lines = [`ID: ${s.id}`];
  if (s.metadata?.name) lines.push(`Name: ${s.metadata.name}`);
  if (s.metadata?.attempt) lines.push(`Attempt: ${s.metadata.attempt}`);
  lines.push(`State: ${containerStateToJSON(s.state)}`, `Created: ${ago(s.createdAt, nowMs)}`);
  if (s.state !== ContainerState.CONTAINER_CREATED) lines.push(`Started: ${ago(s.startedAt, nowMs)}`);
  if (s.state === ContainerState.CONTAINER_EXITED) {
    if (s.finishedAt > 0n) lines.push(`Finished: ${ago(s.finishedAt, nowMs)}`);
    lines.push(`Exit Code: ${s.exitCode}`);
  }
  lines.push(...mapBlock('Labels', s.labels), ...mapBlock('Annotations', s.annotations));
  if (verbose) lines.push(`Info: map[${sortedEntries(info).map(([k, v]) => `${k}:${v}`).join(' ')}]`);
  return lines.join('\n');
}
