// Adapts the container and sandbox managers to the stats RPCs' view.
import { keptConfigOf } from '../cri/container-mapping.js';
import type { StatsSource } from '../cri/stats-source.js';
import type { ContainerManager } from '../container/manager.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';

export function statsSource(containers: ContainerManager, pods: SandboxManager, layersDir: string): StatsSource {
  return {
    containers: () =>
      containers.all().map((r) => {
        const config = keptConfigOf(r);
        return {
          id: r.id,
          podId: r.podId,
          metadata: config.metadata,
          labels: config.labels,
          annotations: config.annotations,
          state: r.state,
          cgroupPath: r.cgroupsPath,
          upperDir: containers.pathsOf(r.id).upper,
          layerMountpoint: layersDir,
          image: r.imageSpec,
        };
      }),
    pods: () =>
      pods.list().map((p) => ({
        id: p.id,
        metadata: { name: p.metadata.name, uid: p.metadata.uid, namespace: p.metadata.namespace, attempt: p.metadata.attempt },
        labels: p.labels,
        annotations: p.annotations,
        ready: p.phase === 'ready',
        netnsPath: p.pins.net,
        // Only a parent the pod asked for is its own: the default (/berth) is shared by every pod.
        cgroupParent: requestedCgroupParent(p.config),
      })),
  };
}

/** linux.cgroup_parent as the pod's config (protobuf JSON) gave it; "" when none. */
function requestedCgroupParent(config: unknown): string {
  const linux = (config as { linux?: { cgroupParent?: unknown; cgroup_parent?: unknown } } | undefined)?.linux;
  const v = linux?.cgroupParent ?? linux?.cgroup_parent;
  return typeof v === 'string' ? v : '';
}
