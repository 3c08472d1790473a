// Adapts the container and sandbox managers to the stats RPCs' view. Each
// record's view is kept and rebuilt only when a field it is made of changed:
// a stats poll lists every container and pod twice (the answer, then the
// pruning of what went away), and building the views afresh — paths joined,
// configs decoded — was most of the handler's own work at 100 containers.
import { keptConfigOf } from '../cri/container-mapping.js';
import type { StatsContainer, StatsPod, StatsSource } from '../cri/stats-source.js';
import type { ContainerManager } from '../container/manager.js';
import type { ContainerRecord } from '../container/record.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';
import type { PodRecord } from '../pod/sandbox-store.js';
import { DerivedCache } from '../util/derived-cache.js';

export function statsSource(containers: ContainerManager, pods: SandboxManager, layersDir: string): StatsSource {
  const containerViews = new DerivedCache<ContainerRecord, StatsContainer>(
    (r) => [r.id, r.podId, r.configPb, r.state, r.cgroupsPath, r.imageSpec],
    (r) => {
      const config = keptConfigOf(r);
      return Object.freeze({
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
      });
    },
  );
  const podViews = new DerivedCache<PodRecord, StatsPod>(
    (p) => [p.id, p.metadata, p.labels, p.annotations, p.phase, p.pins.net, p.config],
    (p) =>
      Object.freeze({
        id: p.id,
        metadata: { name: p.metadata.name, uid: p.metadata.uid, namespace: p.metadata.namespace, attempt: p.metadata.attempt },
        labels: p.labels,
        annotations: p.annotations,
        ready: p.phase === 'ready',
        netnsPath: p.pins.net,
        // Only a parent the pod asked for is its own: the default (/berth) is shared by every pod.
        cgroupParent: requestedCgroupParent(p.config),
      }),
  );
  return {
    containers: () => containers.all().map((r) => containerViews.get(r)),
    pods: () => pods.list().map((p) => podViews.get(p)),
  };
}

/** linux.cgroup_parent as the pod's config (protobuf JSON) gave it; "" when none. */
function requestedCgroupParent(config: unknown): string {
  const linux = (config as { linux?: { cgroupParent?: unknown; cgroup_parent?: unknown } } | undefined)?.linux;
  const v = linux?.cgroupParent ?? linux?.cgroup_parent;
  return typeof v === 'string' ? v : '';
}
