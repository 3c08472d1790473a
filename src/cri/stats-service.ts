// ContainerStats, ListContainerStats, PodSandboxStats, ListPodSandboxStats.
// Live numbers come from the cgroups (only containers with a process: created
// or running), the writable layer from its upper dir, pod network counters
// from inside the pod's netns. As containerd: List* report every container
// (exited ones with attributes and writable layer only) and skip pods that
// are not ready; the single-object RPCs refuse those (FailedPrecondition).
import type { ContainerStats, PodSandboxStats } from '../api/gen/api.js';
import type { Handlers } from '../api/server.js';
import { sumSamples } from '../stats/aggregate.js';
import type { CgroupSample, SampleParts } from '../cgroups/stats-parse.js';
import { cgroupFsPath } from '../cgroups/paths.js';
import type { StatsCollector } from '../stats/collector.js';
import { mapLimit } from '../stats/limit.js';
import { splitInterfaces, type PodNetwork } from '../stats/net-stats.js';
import { errorMessage, failedPrecondition } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { matchesLabels } from './filters.js';
import { toCpuUsage, toMemoryUsage, toNetworkUsage, toProcessUsage, toSwapUsage, toWritableLayer } from './stats-mapping.js';
import { resolveById, type StatsContainer, type StatsPod, type StatsSource } from './stats-source.js';

export type StatsHandlers = Pick<Handlers, 'ContainerStats' | 'ListContainerStats' | 'PodSandboxStats' | 'ListPodSandboxStats'>;

export interface StatsHandlerOptions {
  log?: Logger;
  /** Containers or pods measured at once by a List call (default 8). */
  concurrency?: number;
}

/** States whose cgroup holds processes. */
const LIVE = new Set<StatsContainer['state']>(['created', 'running', 'unknown']);
/** A container's own stats use neither its process count nor its OOM counter: their files are not read. */
const CONTAINER_PARTS: SampleParts = Object.freeze({ pids: false, oomKills: false });
/** Pod stats count processes (the pod's cgroup, else its containers summed). */
const POD_PARTS: SampleParts = Object.freeze({ pids: true, oomKills: false });
/**
 * Containers measured per event-loop turn by a List: the cgroup files are
 * read synchronously (src/cgroups/held-files.ts), ~30–50 µs per container,
 * so a slice holds the loop for about a millisecond and other calls get in
 * between slices.
 */
const SLICE = 16;
/** Pod and container ids are both random hex: keep their CPU baselines apart. */
const podKey = (id: string): string => `pod/${id}`;

interface Measured {
  stats: ContainerStats;
  sample: CgroupSample | undefined;
}

export function statsHandlers(source: StatsSource, collector: StatsCollector, o: StatsHandlerOptions = {}): StatsHandlers {
  const log = o.log ?? silentLogger;
  const limit = o.concurrency ?? 8;

  /** A failed read leaves that part out of the answer rather than failing a whole List. */
  const soft = <T>(what: string, id: string, p: Promise<T | undefined>): Promise<T | undefined> =>
    p.catch((e: unknown) => {
      log.warn(`stats: cannot read ${what}`, { id, error: errorMessage(e) });
      return undefined;
    });

  const readCgroup = (id: string, path: string, parts: SampleParts): Promise<CgroupSample | undefined> =>
    path ? soft('cgroup', id, collector.cgroups.read(cgroupFsPath(path), parts)) : Promise.resolve(undefined);

  const cpuOf = (key: string, s: CgroupSample): ReturnType<typeof toCpuUsage> =>
    toCpuUsage(s, s.cpu ? collector.cpuRates.rate(key, s.cpu.usageNs, s.monotonicNs) : 0n);

  const measureContainer = async (c: StatsContainer, parts: SampleParts = CONTAINER_PARTS): Promise<Measured> => {
    const [sample, layer] = await Promise.all([
      LIVE.has(c.state) ? readCgroup(c.id, c.cgroupPath, parts) : undefined,
      c.upperDir ? soft('writable layer', c.id, collector.fsUsage.get(c.id, c.upperDir)) : undefined,
    ]);
    return {
      sample,
      stats: {
        attributes: { id: c.id, metadata: c.metadata, labels: { ...c.labels }, annotations: { ...c.annotations } },
        cpu: sample && cpuOf(c.id, sample),
        memory: sample && toMemoryUsage(sample),
        writableLayer: layer && toWritableLayer(layer, c.layerMountpoint),
        swap: sample && toSwapUsage(sample),
        io: undefined,
      },
    };
  };

  const measurePod = async (p: StatsPod, members: readonly StatsContainer[]): Promise<PodSandboxStats> => {
    const [measured, own, net] = await Promise.all([
      mapLimit(members, limit, (c) => measureContainer(c, POD_PARTS)),
      readCgroup(p.id, p.cgroupParent, POD_PARTS),
      p.netnsPath ? soft<PodNetwork>('network counters', p.id, collector.readNetDev(p.netnsPath).then((all) => splitInterfaces(all))) : undefined,
    ]);
    const summed = sumSamples(measured.flatMap((m) => (m.sample ? [m.sample] : [])));
    const sample = own ?? summed;
    const pids = own?.pids ? own : summed;
    return {
      attributes: { id: p.id, metadata: p.metadata, labels: { ...p.labels }, annotations: { ...p.annotations } },
      linux: {
        cpu: sample && cpuOf(podKey(p.id), sample),
        memory: sample && toMemoryUsage(sample),
        network: net && toNetworkUsage(net, BigInt(Date.now()) * 1_000_000n),
        process: pids && toProcessUsage(pids),
        containers: measured.map((m) => m.stats),
        io: undefined,
      },
      windows: undefined,
    };
  };

  /** After an unfiltered List: forget baselines and cached usage of what is gone. */
  const prune = (): void => {
    const live = new Set(source.containers().map((c) => c.id));
    for (const p of source.pods()) live.add(podKey(p.id));
    collector.retain(live);
  };

  return {
    ContainerStats: async (req) => {
      const c = resolveById(source.containers(), req.containerId, 'container');
      if (!LIVE.has(c.state)) throw failedPrecondition('cri', `container ${c.id} is ${c.state}: it has no live stats`);
      return { stats: (await measureContainer(c)).stats };
    },

    ListContainerStats: async (req) => {
      const f = req.filter;
      const picked = source
        .containers()
        .filter(
          (c) =>
            c.state !== 'creating' &&
            (!f?.id || c.id.startsWith(f.id)) &&
            (!f?.podSandboxId || c.podId.startsWith(f.podSandboxId)) &&
            matchesLabels(c.labels, f?.labelSelector),
        );
      const measured = await inSlices(picked, SLICE, (slice) => mapLimit(slice, limit, (c) => measureContainer(c)));
      if (!f?.id && !f?.podSandboxId && Object.keys(f?.labelSelector ?? {}).length === 0) prune();
      return { stats: measured.map((m) => m.stats) };
    },

    PodSandboxStats: async (req) => {
      const p = resolveById(source.pods(), req.podSandboxId, 'pod sandbox');
      if (!p.ready) throw failedPrecondition('cri', `pod sandbox ${p.id} is not ready: it has no live stats`);
      return { stats: await measurePod(p, podMembers(source.containers()).get(p.id) ?? []) };
    },

    ListPodSandboxStats: async (req) => {
      const f = req.filter;
      const picked = source.pods().filter((p) => p.ready && (!f?.id || p.id.startsWith(f.id)) && matchesLabels(p.labels, f?.labelSelector));
      const members = podMembers(source.containers());
      const stats = await inSlices(picked, Math.max(1, SLICE / 4), (slice) => mapLimit(slice, limit, (p) => measurePod(p, members.get(p.id) ?? [])));
      if (!f?.id && Object.keys(f?.labelSelector ?? {}).length === 0) prune();
      return { stats };
    },
  };
}

/** `run` over consecutive slices of `items`, the event loop turning between slices; results in order. */
async function inSlices<T, R>(items: readonly T[], size: number, run: (slice: readonly T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    if (i > 0) await new Promise<void>((r) => setImmediate(r));
    for (const r of await run(items.slice(i, i + size))) out.push(r);
  }
  return out;
}

/** Containers by pod, in source order ('creating' ones are not reported yet, as in ListContainers). */
function podMembers(all: readonly StatsContainer[]): Map<string, StatsContainer[]> {
  const out = new Map<string, StatsContainer[]>();
  for (const c of all) {
    if (c.state === 'creating') continue;
    const list = out.get(c.podId);
    if (list) list.push(c);
    else out.set(c.podId, [c]);
  }
  return out;
}
