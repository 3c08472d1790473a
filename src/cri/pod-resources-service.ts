// UpdatePodSandboxResources: the pod's cgroup parent gets overhead +
// resources (src/pod/pod-resources.ts), read back from the cgroup files.
// Containers keep their own limits (UpdateContainerResources). Since
// Kubernetes 1.36 the kubelet calls this before it sets the pod cgroup
// itself and treats an error (other than Unimplemented) as the runtime
// blocking the resize: a refused write (memory below usage) does block it.
import type { Handlers } from '../api/server.js';
import type { CgroupManager } from '../cgroups/manager.js';
import { applyCgroupWrites, cgroupWrites } from '../cgroups/pod-limits.js';
import { DEFAULT_CGROUP_ROOT } from '../cgroups/reader.js';
import { podLimits } from '../pod/pod-resources.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';
import { failedPrecondition } from '../util/errors.js';
import type { Logger } from '../util/log.js';

export interface PodResourcesOptions {
  cgroups: Pick<CgroupManager, 'driver' | 'version'>;
  /** Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  log: Logger;
}

export function podResourcesHandlers(pods: SandboxManager, o: PodResourcesOptions): Pick<Handlers, 'UpdatePodSandboxResources'> {
  const root = o.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
  return {
    UpdatePodSandboxResources: async (req) => {
      const pod = pods.get(req.podSandboxId);
      const limits = podLimits(req.overhead, req.resources);
      if (pod.phase !== 'ready') throw failedPrecondition('cri', `pod sandbox ${pod.id} is ${pod.phase}, not ready: cannot update its resources`);
      const view = pods.getPod(pod.id);
      const parent = requestedParent(pod.config);
      if (!view || !parent) throw failedPrecondition('cri', `pod sandbox ${pod.id} has no cgroup of its own (linux.cgroup_parent was not set): its resources cannot be updated`);
      // Under systemd the pod's slice is a systemd unit: the kubelet sets its properties itself right after this call
      // (since 1.36 an error here blocks the resize, so refusing would block every pod resize on such a node).
      if (o.cgroups.driver === 'systemd') {
        o.log.info('pod resources accepted; the systemd slice is the kubelet\'s to set', { pod: pod.id, cgroup: view.cgroupParent });
        return {};
      }
      const readBack = await applyCgroupWrites(root, view.cgroupParent, cgroupWrites(limits, o.cgroups.version === 2));
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
