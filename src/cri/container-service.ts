// Container RPCs: validate the request, call the container manager, map the
// record to CRI messages. Queries are answered from memory.
import { access, open } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ContainerConfig,
  ContainerState,
  type Container,
  type ContainerFilter,
  type ContainerStatus,
  type ImageSpec,
  type LinuxContainerResources,
  type PodSandboxConfig,
} from '../api/gen/api.js';
import type { Handlers } from '../api/server.js';
import type { ContainerManager } from '../container/manager.js';
import type { ContainerRecord } from '../container/record.js';
import { BerthError, Code, failedPrecondition, invalidArgument } from '../util/errors.js';
import { validateHostname } from '../pod/pod-files.js';
import { matchesLabels } from './filters.js';

type ContainerHandlers = Pick<
  Handlers,
  | 'CreateContainer'
  | 'StartContainer'
  | 'StopContainer'
  | 'RemoveContainer'
  | 'ContainerStatus'
  | 'ListContainers'
  | 'ExecSync'
  | 'UpdateContainerResources'
  | 'ReopenContainerLog'
>;

export interface ContainerHandlerOptions {
  /** CreateContainer from a checkpoint archive (src/cri/checkpoint-service.ts). */
  restore?: (archive: string, req: { podSandboxId: string; config: ContainerConfig; sandboxConfig: PodSandboxConfig | undefined }, signal: AbortSignal) => Promise<string>;
}

export function containerHandlers(containers: ContainerManager, o: ContainerHandlerOptions = {}): ContainerHandlers {
  return {
    CreateContainer: async (req, call) => {
      if (!req.podSandboxId) throw invalidArgument('cri', 'pod_sandbox_id is empty');
      if (!req.config) throw invalidArgument('cri', 'config is required');
      // CRI-O's convention: an absolute path as the image names a checkpoint archive to restore.
      const image = req.config.image?.image ?? '';
      if (image.startsWith('/')) {
        if (!o.restore) throw new BerthError(Code.Unimplemented, 'cri', `config.image.image "${image}": restoring from a checkpoint archive is not supported`);
        return { containerId: await o.restore(image, { podSandboxId: req.podSandboxId, config: req.config, sandboxConfig: req.sandboxConfig }, call.signal) };
      }
      // The container's spec takes its hostname from this copy of the pod's config: refuse what sethostname(2) would.
      if (req.sandboxConfig) validateHostname(req.sandboxConfig.hostname);
      // The call's signal tells the manager whether this caller is still there to be given the id.
      const id = await containers.create(req.podSandboxId, req.config, req.sandboxConfig, call.signal);
      return { containerId: id };
    },

    StartContainer: async (req) => {
      await containers.start(req.containerId);
      return {};
    },

    StopContainer: async (req) => {
      await containers.stop(req.containerId, Math.max(0, Number(req.timeout)));
      return {};
    },

    RemoveContainer: async (req) => {
      if (!req.containerId) throw invalidArgument('cri', 'container_id is empty');
      await containers.remove(req.containerId);
      return {};
    },

    ContainerStatus: async (req) => {
      const rec = containers.resolve(req.containerId);
      const info: Record<string, string> = {};
      if (req.verbose) {
        info.info = JSON.stringify({
          pid: rec.pid,
          sandboxID: rec.podId,
          runtimeHandler: rec.runtimeHandler,
          bundle: containers.pathsOf(rec.id).bundle,
          name: rec.name,
          state: rec.state,
        });
      }
      return { status: toStatus(rec, containers.configOf(rec)), info };
    },

    ListContainers: async (req) => ({
      containers: containers
        .all()
        .filter((r) => r.state !== 'creating' && matches(r, containers, req.filter))
        .map((r) => toContainer(r, containers.configOf(r))),
    }),

    ExecSync: async (req, ctx) => {
      const r = await containers.execSync(req.containerId, req.cmd, Number(req.timeout), ctx.signal);
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
    },

    UpdateContainerResources: async (req) => {
      const linux = req.linux;
      if (!linux) throw invalidArgument('cri', 'linux resources are required');
      await containers.updateResources(req.containerId, linux);
      return {};
    },

    ReopenContainerLog: async (req) => {
      const rec = containers.resolve(req.containerId);
      if (rec.state !== 'running') throw failedPrecondition('cri', `container ${rec.id} is ${rec.state}, not running: cannot reopen its log`);
      await reopenLog(containers.pathsOf(rec.id).bundle, rec.conmonLogPath);
      return {};
    },
  };
}

const STATE: Record<ContainerRecord['state'], ContainerState> = {
  creating: ContainerState.CONTAINER_UNKNOWN,
  created: ContainerState.CONTAINER_CREATED,
  running: ContainerState.CONTAINER_RUNNING,
  exited: ContainerState.CONTAINER_EXITED,
  unknown: ContainerState.CONTAINER_UNKNOWN,
};

function matches(r: ContainerRecord, containers: ContainerManager, f: ContainerFilter | undefined): boolean {
  if (!f) return true;
  if (f.id && !r.id.startsWith(f.id)) return false;
  if (f.podSandboxId && !r.podId.startsWith(f.podSandboxId)) return false;
  if (f.state && STATE[r.state] !== f.state.state) return false;
  return matchesLabels(containers.configOf(r).labels, f.labelSelector);
}

function imageSpecOf(r: ContainerRecord, config: ContainerConfig): ImageSpec {
  return {
    image: r.imageSpec,
    annotations: config.image?.annotations ?? {},
    userSpecifiedImage: config.image?.userSpecifiedImage || r.imageSpec,
    runtimeHandler: config.image?.runtimeHandler ?? '',
    imageRef: r.imageRef,
  };
}

function toContainer(r: ContainerRecord, config: ContainerConfig): Container {
  return {
    id: r.id,
    podSandboxId: r.podId,
    metadata: config.metadata,
    image: imageSpecOf(r, config),
    imageRef: r.imageRef,
    imageId: r.imageId,
    state: STATE[r.state],
    createdAt: BigInt(r.createdAt),
    labels: config.labels,
    annotations: config.annotations,
  };
}

/**
 * ContainerStatus of every container of a pod (one still being created is not
 * listed yet, as in ListContainers): PodSandboxStatus.containers_statuses and
 * the container events carry this list, and the kubelet's evented PLEG takes it
 * as the pod's complete set of containers.
 */
export function podContainerStatuses(containers: ContainerManager, podId: string): ContainerStatus[] {
  return containers
    .ofPod(podId)
    .filter((c) => c.state !== 'creating')
    .map((c) => toStatus(c, containers.configOf(c)));
}

export function toStatus(r: ContainerRecord, config: ContainerConfig): ContainerStatus {
  return {
    id: r.id,
    metadata: config.metadata,
    state: STATE[r.state],
    createdAt: BigInt(r.createdAt),
    startedAt: BigInt(r.startedAt),
    finishedAt: BigInt(r.finishedAt),
    exitCode: r.exitCode,
    image: imageSpecOf(r, config),
    imageRef: r.imageRef,
    imageId: r.imageId,
    reason: r.reason,
    message: r.message,
    labels: config.labels,
    annotations: config.annotations,
    mounts: config.mounts,
    logPath: r.logPath,
    resources: { linux: fromOciResources(JSON.parse(r.resourcesJson) as OciResourcesJson), windows: undefined },
    user: { linux: { uid: BigInt(r.user.uid), gid: BigInt(r.user.gid), supplementalGroups: r.user.additionalGids.map(BigInt) } },
    stopSignal: config.stopSignal,
  };
}

interface OciResourcesJson {
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  memory?: { limit?: number; swap?: number };
  hugepageLimits?: { pageSize: string; limit: number }[];
  unified?: Record<string, string>;
}

function fromOciResources(o: OciResourcesJson): LinuxContainerResources {
  return {
    cpuPeriod: BigInt(o.cpu?.period ?? 0),
    cpuQuota: BigInt(o.cpu?.quota ?? 0),
    cpuShares: BigInt(o.cpu?.shares ?? 0),
    memoryLimitInBytes: BigInt(o.memory?.limit ?? 0),
    oomScoreAdj: 0n,
    cpusetCpus: o.cpu?.cpus ?? '',
    cpusetMems: o.cpu?.mems ?? '',
    hugepageLimits: (o.hugepageLimits ?? []).map((h) => ({ pageSize: h.pageSize, limit: BigInt(h.limit) })),
    unified: o.unified ?? {},
    memorySwapLimitInBytes: BigInt(o.memory?.swap ?? 0),
  };
}

/** Asks conmon to reopen its log (ctl fifo message 2) and waits until the file exists again. */
async function reopenLog(bundle: string, logPath: string): Promise<void> {
  const fh = await open(join(bundle, 'ctl'), 'w');
  try {
    await fh.write('2 0 0\n');
  } finally {
    await fh.close();
  }
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await access(logPath);
      return;
    } catch {
      if (Date.now() > deadline) throw new BerthError(Code.Internal, 'monitor', `conmon did not reopen ${logPath} within 5s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

