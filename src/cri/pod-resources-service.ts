// UpdatePodSandboxResources: the pod's cgroup parent gets overhead +
// resources (src/pod/pod-resources.ts), read back from the cgroup files.
// Containers keep their own limits (UpdateContainerResources).
import type { Handlers } from '../api/server.js';
import { applyCgroupWrites } from '../pod/pod-cgroup.js';
import { cgroupWrites, podLimits } from '../pod/pod-resources.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';
import { failedPrecondition } from '../util/errors.js';
import type { Logger } from '../util/log.js';

export interface PodResourcesOptions {
  driver: 'cgroupfs' | 'systemd';
  cgroupV2: boolean;
  /** Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  log: Logger;
}

export function podResourcesHandlers(pods: SandboxManager, o: PodResourcesOptions): Pick<Handlers, 'UpdatePodSandboxResources'> {
  const root = o.cgroupRoot ?? '/sys/fs/cgroup';
  return {
    UpdatePodSandboxResources: async (req) => {
      const pod = pods.get(req.podSandboxId);
      const limits = podLimits(req.overhead, req.resources);
      if (pod.phase !== 'ready') throw failedPrecondition('cri', `pod sandbox ${pod.id} is ${pod.phase}, not ready: cannot update its resources`);
      const view = pods.getPod(pod.id);
      const parent = requestedParent(pod.config);
      if (!view || !parent) throw failedPrecondition('cri', `pod sandbox ${pod.id} has no cgroup of its own (linux.cgroup_parent was not set): its resources cannot be updated`);
      if (o.driver === 'systemd') throw failedPrecondition('runtime', `pod sandbox ${pod.id}: updating a pod's resources under the systemd cgroup driver is not supported yet (only cgroupfs)`);
      const readBack = await applyCgroupWrites(root, view.cgroupParent, cgroupWrites(limits, o.cgroupV2));
      o.log.info('pod resources updated', { pod: pod.id, cgroup: view.cgroupParent, ...readBack });
      return {};
    },
  };
}

/** linux.cgroup_parent as the pod asked for it (the default parent is shared by every pod). */
function requestedParent(config: unknown): string {
  const linux = (config as { linux?: { cgroupParent?: unknown; cgroup_parent?: unknown } } | undefined)?.linux;
  const v = linux?.cgroupParent ?? linux?.cgroup_parent;
  return typeof v === 'string' ? v : '';
}
