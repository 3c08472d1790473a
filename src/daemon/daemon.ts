// Starting and stopping berthd: directories, subsystems, the gRPC server.
import { mkdir, readFile } from 'node:fs/promises';
import { prepareSocketPath, startGrpcServer, type Handlers, type RunningServer } from '../api/server.js';
import type { BerthConfig } from '../config/schema.js';
import type { CriContext } from '../cri/context.js';
import { runtimeInfoHandlers } from '../cri/runtime-info.js';
import { imageHandlers } from '../cri/image-service.js';
import { Images } from '../image/images.js';
import { resolveBinary } from '../oci/binaries.js';
import { resolveMonitor } from '../oci/monitor.js';
import { installDefaultNetwork } from '../pod/cni/default-network.js';
import { NetworkWatch } from '../pod/cni/network-watch.js';
import { podHandlers } from '../cri/pod-service.js';
import { SandboxManager } from '../pod/sandbox-manager.js';
import { CatatonitInfra } from '../pod/infra.js';
import { socketPathOf } from '../client/cri-client.js';
import type { Logger } from '../util/log.js';
import { acquirePidLock } from './pid-lock.js';
import { statsSource } from './stats-adapter.js';
import { containerHandlers, podContainerStatuses } from '../cri/container-service.js';
import { ContainerEvents } from '../cri/container-events.js';
import { statsHandlers } from '../cri/stats-service.js';
import { metricsHandlers } from '../cri/metrics-service.js';
import { checkpointHandlers, restoreFromArchive } from '../cri/checkpoint-service.js';
import { podResourcesHandlers } from '../cri/pod-resources-service.js';
import { DEFAULT_BATCH_LIMITS, listStreamHandlers } from '../cri/list-streams.js';
import { ContainerManager } from '../container/manager.js';
import { readHostFacts } from '../container/host-facts.js';
import { specPreparer } from '../container/prepare-spec.js';
import { buildResources } from '../container/spec-resources.js';
import { containerDirs } from '../container/paths.js';
import { RuntimeRegistry } from '../oci/runtimes.js';
import { CgroupWarmer } from '../cgroups/warmer.js';
import { CgroupManager } from '../cgroups/manager.js';
import { AppArmor } from '../oci/apparmor.js';
import { StatsCollector } from '../stats/collector.js';
import { VERSION } from '../version.js';
import { createStreamingServer } from '../stream/server.js';
import { streamServiceHandlers } from '../cri/stream-service.js';
import { streamBackendOf } from './stream-backend.js';
import { Observer } from '../observe/observer.js';
import { publishPodEvents } from '../observe/pod-events.js';

/**
 * Containers still running when their pod is stopped "must be forcibly
 * terminated" (the CRI's words): the kubelet has already given them the pod's
 * grace period through StopContainer. containerd does the same.
 */
const POD_STOP_GRACE_SECONDS = 0;

export interface Daemon {
  socketPath: string;
  stop(): Promise<void>;
}

export async function startDaemon(config: BerthConfig, configFiles: readonly string[], log: Logger): Promise<Daemon> {
  const socketPath = socketPathOf(config.grpc.listen);
  // Refuse a socket a live daemon serves before touching anything else.
  await prepareSocketPath(socketPath);
  await mkdir(config.storage.root, { recursive: true, mode: 0o711 });
  await mkdir(config.storage.state, { recursive: true, mode: 0o711 });
  const releaseLock = await acquirePidLock(config.storage.state);
  const cleanups: (() => Promise<void> | void)[] = [releaseLock];
  try {
    if (config.network.install_default_config) {
      const file = await installDefaultNetwork(config.network.conf_dir, config.network.default_subnet);
      if (file) log.info('installed default CNI network', { file });
    }
    // Metrics, traces, timelines: loads prom-client / the OpenTelemetry SDK only when configured.
    const observer = await Observer.create(config, log, VERSION);
    cleanups.push(() => observer.close());
    const network = new NetworkWatch(config.network.conf_dir, config.network.bin_dirs);
    await network.start();
    cleanups.push(() => network.close());

    const images = new Images({ config, log });
    await images.init();
    const warmer = CgroupWarmer.forSelf(await readFile('/proc/self/cgroup', 'utf8').catch(() => ''));
    cleanups.push(() => warmer.close());
    log.debug('cgroup migration warmer', { active: warmer.active });
    const cgroups = await CgroupManager.create(config.runtime.cgroup_manager, log);
    log.info('cgroups', { ...cgroups.describe(), setting: config.runtime.cgroup_manager });
    const runtimes = await RuntimeRegistry.create(config, warmer, cgroups.runtimeArgs());
    const handler = config.runtime.handlers[config.runtime.default_handler];
    const apparmor = await AppArmor.init(`${config.storage.root}/apparmor`, log);
    const monitor = await resolveMonitor(config.runtime.monitor, config.runtime.conmon_path);
    const ctx: CriContext = {
      config,
      configFiles,
      version: VERSION,
      log,
      network,
      binaries: {
        runtime: handler ? await resolveBinary(handler.path) : undefined,
        monitor: monitor?.path,
      },
      runtimeConfig: { podCidr: '' },
      runtimeHandlers: () => runtimes.handlers(),
      cgroups: cgroups.describe(),
      apparmorStatus: () => apparmor.status(),
    };
    const pods = new SandboxManager({ config, log, network, runtimeConfig: ctx.runtimeConfig, infra: await CatatonitInfra.create(config, log, (h) => runtimes.get(h), cgroups),
      userns: (h) => ({ ok: runtimes.features(h).userNamespaces, why: runtimes.usernsUnsupported ?? 'the runtime has no `features` command' }),
      cgroupParent: (r) => cgroups.podParent(r),
      runtimeProblem: (h) => runtimes.problem(h),
    });
    await pods.init();
    cleanups.push(() => pods.close());

    const events = new ContainerEvents();
    const host = { ...(await readHostFacts(runtimes.features('').recursiveReadOnlyMounts, cgroups.host)), hostHasApparmor: apparmor.enabled };
    const containers: ContainerManager = new ContainerManager({
      root: config.storage.root,
      state: config.storage.state,
      monitor: monitor ?? { kind: config.runtime.monitor, path: config.runtime.monitor === 'conmon' ? config.runtime.conmon_path : 'berth-mon' },
      runtimeFor: (h) => runtimes.get(h),
      pods,
      images,
      cgroups,
      prepareSpec: specPreparer({
        host,
        cgroupsPath: (parent, id) => cgroups.cgroupsPath(parent, id),
        apparmorProfile: (profile, field) => apparmor.profileForCreate(profile, field),
        whenSeccompUnset: { seccompDefault: config.runtime.seccomp_use_default_when_empty, noNewPrivsDefault: config.runtime.no_new_privs_when_empty },
        pidOf: (id) => containers.get(id)?.pid,
        handlerFeatures: (h) => runtimes.features(h),
        cdiSpecDirs: config.cdi.spec_dirs,
      }),
      onChange: (rec, kind) => {
        events.publish(rec, kind);
        observer.containerChanged(rec, kind);
      },
      ociResources: (linux) => buildResources(linux, { cgroupV2: host.cgroupV2, swapController: host.swapController ?? false, hugetlbController: host.hugetlbController ?? false }),
      log,
    });
    await containers.init();
    cleanups.push(() => containers.close());
    events.attach(containers, pods);
    // Images used by containers keep their layers; registered before the first GC.
    images.addLayerUsers({
      imagesInUse: () => containers.all().flatMap((c) => [c.imageId, ...(c.imageVolumeIds ?? [])]),
      imageVolumeUsers: () => containers.all().flatMap((c) => (c.imageVolumeIds ?? []).map((imageId) => ({ imageId, container: `${c.id} (${c.name})` }))),
    });
    await images.collectGarbage();
    pods.setMembers({
      stopAll: async (podId, opts) => {
        await Promise.all(containers.ofPod(podId).map((c) => containers.stop(c.id, POD_STOP_GRACE_SECONDS, opts)));
      },
      removeAll: async (podId) => {
        await Promise.all(containers.ofPod(podId).map((c) => containers.remove(c.id)));
      },
    });

    const handlers: Handlers = { ...runtimeInfoHandlers(ctx) };
    Object.assign(handlers, imageHandlers(images));
    Object.assign(handlers, podHandlers(pods, (podId) => podContainerStatuses(containers, podId)));
    const checkpoints = { stateDir: config.storage.state };
    Object.assign(handlers, containerHandlers(containers, { restore: (archive, req, signal) => restoreFromArchive(archive, req, containers, checkpoints, signal) }));
    Object.assign(handlers, checkpointHandlers(containers, checkpoints));
    Object.assign(handlers, podResourcesHandlers(pods, { cgroups, log }));
    Object.assign(handlers, events.handlers());
    const collector = new StatsCollector({ cgroupVersion: cgroups.version });
    cleanups.push(() => collector.close());
    Object.assign(handlers, statsHandlers(statsSource(containers, pods, containerDirs(config.storage.root, config.storage.state).layers), collector, { log }));
    Object.assign(handlers, metricsHandlers(statsSource(containers, pods, containerDirs(config.storage.root, config.storage.state).layers), collector, { log }));
    // Streaming (exec/attach/port-forward): on as soon as stream-backend.ts returns a backend.
    const streamBackend = streamBackendOf({ containers, pods });
    if (streamBackend) {
      const streaming = await createStreamingServer(config, streamBackend, { log });
      cleanups.push(() => streaming.close());
      Object.assign(handlers, streamServiceHandlers({ server: streaming, backend: streamBackend }));
    }
    // Stream* (CRI 1.36) from the List* above; batches stay well inside the message limit.
    Object.assign(handlers, listStreamHandlers(handlers, { ...DEFAULT_BATCH_LIMITS, maxBytes: Math.min(DEFAULT_BATCH_LIMITS.maxBytes, config.grpc.max_msg_size / 4) }));
    observer.attach({ pods, containers });
    observer.decorate(handlers);
    publishPodEvents(handlers, events, pods);
    const server: RunningServer = await startGrpcServer({
      socketPath,
      handlers,
      observer,
      maxMessageSize: config.grpc.max_msg_size,
      log,
    });
    cleanups.push(() => server.close());
    log.info('berthd serving', { socket: socketPath, version: VERSION, root: config.storage.root, state: config.storage.state });
    return {
      socketPath,
      stop: async () => {
        for (const c of cleanups.reverse()) await c();
      },
    };
  } catch (e) {
    for (const c of cleanups.reverse()) await c();
    throw e;
  }
}
