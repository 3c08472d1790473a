// RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus and
// ListPodSandbox: validate, call the sandbox manager, map to CRI messages.
// List and Status answer from memory (the kubelet polls them every second).
import type { Handlers } from '../api/server.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';
import { matchesFilter, podVerboseInfo, toPodSandbox, toPodSandboxStatus } from './pod-mapping.js';

export type PodHandlers = Pick<Handlers, 'RunPodSandbox' | 'StopPodSandbox' | 'RemovePodSandbox' | 'PodSandboxStatus' | 'ListPodSandbox'>;

export function podHandlers(pods: SandboxManager): PodHandlers {
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
        status: toPodSandboxStatus(r),
        info: req.verbose ? podVerboseInfo(r) : {},
        containersStatuses: [],
        timestamp: BigInt(Date.now()) * 1_000_000n,
      };
    },

    ListPodSandbox: async (req) => ({ items: pods.list().filter((r) => matchesFilter(r, req.filter)).map(toPodSandbox) }),
  };
}
