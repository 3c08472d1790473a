// Pure: pod records → CRI messages, and ListPodSandbox's filter.
import { PodSandboxState, type PodSandbox, type PodSandboxFilter, type PodSandboxStatus } from '../api/gen/api.js';
import type { PodRecord } from '../pod/sandbox-store.js';

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
