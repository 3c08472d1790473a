// Shapes shared by the pod verbs, as crictl prints them: protobuf-JSON with
// default values emitted (crictl's EmitDefaultValues), RFC 3339 creation
// times, go-units' human durations, Go's time.Time formatting.
import {
  namespaceModeToJSON,
  podSandboxStateToJSON,
  PodSandboxState,
  type PodSandbox,
  type PodSandboxStatus,
} from '../../../api/gen/api.js';

export function podStateWord(s: PodSandboxState): string {
  return s === PodSandboxState.SANDBOX_READY ? 'Ready' : 'NotReady';
}

export function podSandboxJson(p: PodSandbox): Record<string, unknown> {
  return {
    id: p.id,
    metadata: { name: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '', namespace: p.metadata?.namespace ?? '', attempt: p.metadata?.attempt ?? 0 },
    state: podSandboxStateToJSON(p.state),
    createdAt: p.createdAt.toString(),
    labels: { ...p.labels },
    annotations: { ...p.annotations },
    runtimeHandler: p.runtimeHandler,
  };
}

/** inspectp's "status": the status with createdAt as RFC 3339 (as crictl rewrites it). */
export function podStatusJson(s: PodSandboxStatus): Record<string, unknown> {
  const o = s.linux?.namespaces?.options;
  return {
    id: s.id,
    metadata: { name: s.metadata?.name ?? '', uid: s.metadata?.uid ?? '', namespace: s.metadata?.namespace ?? '', attempt: s.metadata?.attempt ?? 0 },
    state: podSandboxStateToJSON(s.state),
    createdAt: rfc3339Nano(s.createdAt),
    network: { ip: s.network?.ip ?? '', additionalIps: (s.network?.additionalIps ?? []).map((i) => ({ ip: i.ip })) },
    linux: {
      namespaces: {
        options: o
          ? { network: namespaceModeToJSON(o.network), pid: namespaceModeToJSON(o.pid), ipc: namespaceModeToJSON(o.ipc), targetId: o.targetId }
          : null,
      },
    },
    labels: { ...s.labels },
    annotations: { ...s.annotations },
    runtimeHandler: s.runtimeHandler,
  };
}

/** crictl's info map: JSON object (and array: berthd's timeline) values decoded, other strings unquoted. */
export function decodeInfo(info: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(info).sort()) {
    const v = info[k] as string;
    if (v.startsWith('{') || v.startsWith('[')) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* not JSON after all */
      }
    }
    out[k] = v.replace(/^"+|"+$/g, '');
  }
  return out;
}

/** Go's time.RFC3339Nano in UTC: trailing fraction zeros trimmed. */
export function rfc3339Nano(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

/** Go's time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC". */
export function goTimeString(ns: bigint): string {
  const r = rfc3339Nano(ns);
  return `${r.slice(0, 10)} ${r.slice(11, -1)} +0000 UTC`;
}

/** docker/go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

export function sortedEntries(m: Record<string, string>): [string, string][] {
  return Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
