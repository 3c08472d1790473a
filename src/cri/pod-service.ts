// RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus and
// ListPodSandbox: validate, call the sandbox manager, map to CRI messages.
// List and Status answer from memory (the kubelet polls them every second).
import type { ContainerStatus, PodSandbox } from '../api/gen/api.js';
import type { Handlers } from '../api/server.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';
import { matchesFilter, podSandboxMessage, podSandboxStatusMessage, podVerboseInfo } from './pod-mapping.js';

export type PodHandlers = Pick<Handlers, 'RunPodSandbox' | 'StopPodSandbox' | 'RemovePodSandbox' | 'PodSandboxStatus' | 'ListPodSandbox'>;

/**
 * `containerStatuses(podId)`: ContainerStatus of each container of the pod.
 * PodSandboxStatus always carries them with the timestamp: a kubelet with
 * evented PLEG takes a non-zero timestamp to mean "the list is complete" and
 * would otherwise see a pod without containers (CRI-O fills both only with
 * its pod events on; Berth always serves GetContainerEvents).
 */
export function podHandlers(pods: SandboxManager, containerStatuses: (podId: string) => ContainerStatus[]): PodHandlers {
  return {
    RunPodSandbox: async (req) => ({ podSandboxId: await pods.run({ config: req.config, runtimeHandler: req.runtimeHandler }) }),

    StopPodSandbox: async (req) => {
      await pods.stop(req.podSandboxId);
      return {};
    },

    RemovePodSandbox: async (req) => {
      await pods.remove(req.podSandboxId);
      return {};
    },

    PodSandboxStatus: async (req) => {
      const r = pods.get(req.podSandboxId);
      return {
        status: podSandboxStatusMessage(r),
        info: req.verbose ? podVerboseInfo(r) : {},
        containersStatuses: containerStatuses(r.id),
        timestamp: BigInt(Date.now()) * 1_000_000n,
      };
    },

    ListPodSandbox: async (req) => {
      const items: PodSandbox[] = [];
      for (const r of pods.list()) if (matchesFilter(r, req.filter)) items.push(podSandboxMessage(r));
      return { items };
    },
  };
}
