// Container records → CRI messages, and ListContainers' filter. The messages
// the kubelet polls (Container, ContainerStatus) are kept per record, frozen,
// and rebuilt only when a field they are made of changed: at 100 containers
// a ListContainers otherwise decoded 100 stored configs and built 100
// messages per call, and the frozen objects let the server send their kept
// encodings (src/api/response-encoders.ts).
import {
  ContainerConfig,
  ContainerState,
  type Container,
  type ContainerFilter,
  type ContainerStatus,
  type ImageSpec,
  type LinuxContainerResources,
} from '../api/gen/api.js';
import type { ContainerRecord } from '../container/record.js';
import { DerivedCache } from '../util/derived-cache.js';
import { matchesLabels } from './filters.js';

const STATE: Record<ContainerRecord['state'], ContainerState> = {
  creating: ContainerState.CONTAINER_UNKNOWN,
  created: ContainerState.CONTAINER_CREATED,
  running: ContainerState.CONTAINER_RUNNING,
  exited: ContainerState.CONTAINER_EXITED,
  unknown: ContainerState.CONTAINER_UNKNOWN,
};

/** The stored ContainerConfig, decoded once per record (the record keeps it protobuf-encoded, base64). Shared: never modify it. */
const configs = new DerivedCache<ContainerRecord, ContainerConfig>(
  (r) => [r.configPb],
  (r) => ContainerConfig.decode(Buffer.from(r.configPb, 'base64')),
);

const containers = new DerivedCache<ContainerRecord, Container>(
  (r) => [r.id, r.podId, r.configPb, r.imageSpec, r.imageRef, r.imageId, r.state, r.createdAt],
  (r) => Object.freeze(toContainer(r, configs.get(r))),
);

const statuses = new DerivedCache<ContainerRecord, ContainerStatus>(
  (r) => [
    r.id,
    r.configPb,
    r.imageSpec,
    r.imageRef,
    r.imageId,
    r.state,
    r.createdAt,
    r.startedAt,
    r.finishedAt,
    r.exitCode,
    r.reason,
    r.message,
    r.logPath,
    r.resourcesJson,
    r.user,
  ],
  (r) => Object.freeze(toStatus(r, configs.get(r))),
);

/** The record's ContainerConfig (kept; do not modify). */
export function keptConfigOf(r: ContainerRecord): ContainerConfig {
  return configs.get(r);
}

/** The record as a ListContainers item (kept and frozen). */
export function containerMessage(r: ContainerRecord): Container {
  return containers.get(r);
}

/** The record's ContainerStatus (kept and frozen). */
export function containerStatusMessage(r: ContainerRecord): ContainerStatus {
  return statuses.get(r);
}

/** ListContainers' filter: id and pod id (exact or prefix), state, every label of the selector. */
export function matchesContainerFilter(r: ContainerRecord, f: ContainerFilter | undefined): boolean {
  if (!f) return true;
  if (f.id && !r.id.startsWith(f.id)) return false;
  if (f.podSandboxId && !r.podId.startsWith(f.podSandboxId)) return false;
  if (f.state && STATE[r.state] !== f.state.state) return false;
  return matchesLabels(configs.get(r).labels, f.labelSelector);
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

/** Pure: the ListContainers item of a record (built afresh; containerMessage keeps it). */
export function toContainer(r: ContainerRecord, config: ContainerConfig): Container {
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

/** Pure: the ContainerStatus of a record (built afresh; containerStatusMessage keeps it). */
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
