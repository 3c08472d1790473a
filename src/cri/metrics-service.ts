// ListMetricDescriptors and ListPodSandboxMetrics (StreamPodSandboxMetrics is
// derived from the latter in list-streams.ts): cAdvisor-compatible metrics
// from the same readers as the stats RPCs — the container's cgroup, the
// pod's own cgroup parent when it asked for one, the writable layer's usage
// and the pod's network counters read inside its netns. Like
// ListPodSandboxStats: ready pods only; exited containers report their
// writable layer only. A failed read leaves that part out (and is logged).
import { statfs } from 'node:fs/promises';
import type { ContainerMetrics, PodSandboxMetrics } from '../api/gen/api.js';
import type { Handlers } from '../api/server.js';
import { cgroupFsPath } from '../cgroups/paths.js';
import type { StatsCollector } from '../stats/collector.js';
import { mapLimit } from '../stats/limit.js';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { metricDescriptors } from './metrics-catalog.js';
import { addCgroupMetrics, addFsMetrics, addNetworkMetrics, MetricBuilder, type FsCapacity } from './metrics-mapping.js';
import type { StatsContainer, StatsPod, StatsSource } from './stats-source.js';

export type MetricsHandlers = Pick<Handlers, 'ListMetricDescriptors' | 'ListPodSandboxMetrics'>;

const LIVE = new Set<StatsContainer['state']>(['created', 'running', 'unknown']);

export function metricsHandlers(source: StatsSource, collector: StatsCollector, o: { log?: Logger; concurrency?: number } = {}): MetricsHandlers {
  const log = o.log ?? silentLogger;
  const limit = o.concurrency ?? 8;
  const descriptors = Object.freeze({ descriptors: metricDescriptors() });

  const soft = <T>(what: string, id: string, p: Promise<T | undefined>): Promise<T | undefined> =>
    p.catch((e: unknown) => {
      log.warn(`metrics: cannot read ${what}`, { id, error: errorMessage(e) });
      return undefined;
    });

  const capacityOf = async (dir: string): Promise<FsCapacity | undefined> => {
    if (!dir) return undefined;
    const s = await statfs(dir, { bigint: true });
    return { bytes: s.blocks * s.bsize, inodes: s.files, inodesFree: s.ffree };
  };

  const containerMetrics = async (p: StatsPod, c: StatsContainer, fs: FsCapacity | undefined): Promise<ContainerMetrics> => {
    const [sample, layer] = await Promise.all([
      LIVE.has(c.state) && c.cgroupPath ? soft('cgroup', c.id, collector.cgroups.read(cgroupFsPath(c.cgroupPath))) : undefined,
      c.upperDir ? soft('writable layer', c.id, collector.fsUsage.get(c.id, c.upperDir)) : undefined,
    ]);
    const name = c.metadata?.name ?? '';
    const b = new MetricBuilder({ container: name, id: c.id, image: c.image ?? '', name, namespace: p.metadata?.namespace ?? '', pod: p.metadata?.name ?? '' });
    if (sample) addCgroupMetrics(b, sample);
    if (layer) addFsMetrics(b, layer, fs);
    return { containerId: c.id, metrics: b.out };
  };

  const podMetrics = async (p: StatsPod, members: readonly StatsContainer[], fs: FsCapacity | undefined): Promise<PodSandboxMetrics> => {
    const [containers, own, net] = await Promise.all([
      mapLimit(members, limit, (c) => containerMetrics(p, c, fs)),
      p.cgroupParent ? soft('cgroup', p.id, collector.cgroups.read(cgroupFsPath(p.cgroupParent))) : undefined,
      p.netnsPath ? soft('network counters', p.id, collector.readNetDev(p.netnsPath)) : undefined,
    ]);
    const b = new MetricBuilder({ container: '', id: p.id, image: '', name: 'POD', namespace: p.metadata?.namespace ?? '', pod: p.metadata?.name ?? '' });
    if (own) addCgroupMetrics(b, own);
    if (net) addNetworkMetrics(b, BigInt(Date.now()) * 1_000_000n, net);
    return { podSandboxId: p.id, metrics: b.out, containerMetrics: containers };
  };

  return {
    ListMetricDescriptors: async () => descriptors,

    ListPodSandboxMetrics: async () => {
      const all = source.containers();
      const pods = source.pods().filter((p) => p.ready);
      const dir = all.find((c) => c.layerMountpoint)?.layerMountpoint ?? '';
      const fs = dir ? await soft('filesystem capacity', dir, capacityOf(dir)) : undefined;
      const byPod = new Map<string, StatsContainer[]>();
      for (const c of all) {
        if (c.state === 'creating') continue;
        const list = byPod.get(c.podId);
        if (list) list.push(c);
        else byPod.set(c.podId, [c]);
      }
      return { podMetrics: await mapLimit(pods, limit, (p) => podMetrics(p, byPod.get(p.id) ?? [], fs)) };
    },
  };
}
