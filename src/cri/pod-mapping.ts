// Pod records → CRI messages, and ListPodSandbox's filter. The messages the
// kubelet polls (PodSandbox, PodSandboxStatus) are kept per record, frozen,
// and rebuilt only when a field they are made of changed (the server then
// sends their kept encodings: src/api/response-encoders.ts).
import { PodSandboxState, type PodSandbox, type PodSandboxFilter, type PodSandboxStatus } from '../api/gen/api.js';
import type { PodRecord } from '../pod/sandbox-store.js';
import { DerivedCache } from '../util/derived-cache.js';

/** What toPodSandbox reads. */
const sandboxDeps = (r: PodRecord): unknown[] => [r.id, r.metadata, r.phase, r.createdAt, r.labels, r.annotations, r.runtimeHandler];
const sandboxes = new DerivedCache<PodRecord, PodSandbox>(sandboxDeps, (r) => Object.freeze(toPodSandbox(r)));
const statuses = new DerivedCache<PodRecord, PodSandboxStatus>(
  (r) => [...sandboxDeps(r), r.ips, r.namespaces],
  (r) => Object.freeze(toPodSandboxStatus(r)),
);

/** The record as a ListPodSandbox item (kept and frozen). */
export function podSandboxMessage(r: PodRecord): PodSandbox {
  return sandboxes.get(r);
}

/** The record's PodSandboxStatus (kept and frozen). */
export function podSandboxStatusMessage(r: PodRecord): PodSandboxStatus {
  return statuses.get(r);
}

export function podState(r: PodRecord): PodSandboxState {
  return r.phase === 'ready' ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
}

export function toPodSandbox(r: PodRecord): PodSandbox {
  return {
    id: r.id,
    metadata: { ...r.metadata },
    state: podState(r),
    createdAt: BigInt(r.createdAt),
    labels: { ...r.labels },
    annotations: { ...r.annotations },
    runtimeHandler: r.runtimeHandler,
  };
}

export function toPodSandboxStatus(r: PodRecord): PodSandboxStatus {
  const ready = r.phase === 'ready';
  const [ip = '', ...more] = ready ? r.ips : [];
  return {
    ...toPodSandbox(r),
    network: { ip, additionalIps: more.map((a) => ({ ip: a })) },
    linux: {
      namespaces: {
        options: { network: r.namespaces.network, pid: r.namespaces.pid, ipc: r.namespaces.ipc, targetId: r.namespaces.targetId, usernsOptions: undefined },
      },
    },
  };
}

/** The verbose info map: one JSON document under "info", as containerd and CRI-O do. */
export function podVerboseInfo(r: PodRecord): Record<string, string> {
  return {
    info: JSON.stringify({
      id: r.id,
      phase: r.phase,
      error: r.error,
      config: r.config,
      runtimeHandler: r.runtimeHandler,
      namespacePins: r.pins,
      files: r.files,
      ownShm: r.ownShm,
      cgroupParent: r.cgroupParent,
      hostname: r.hostname,
      ips: r.ips,
      cniNetwork: r.network ? { name: r.network.list.name, file: r.network.file, attached: r.network.attached, result: r.network.result } : undefined,
      infra: r.infra,
    }),
  };
}

/** ListPodSandbox's filter: id (exact or prefix), state, every label of the selector. */
export function matchesFilter(r: PodRecord, f: PodSandboxFilter | undefined): boolean {
  if (!f) return true;
  if (f.id && !r.id.startsWith(f.id)) return false;
  if (f.state && podState(r) !== f.state.state) return false;
  for (const [k, v] of Object.entries(f.labelSelector)) if (r.labels[k] !== v) return false;
  return true;
}
