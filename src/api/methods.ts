// The CRI v1 method table: one entry per RPC of both services, binding the
// gRPC path to its request/response codecs. The server and the client are both
// driven by it, so neither repeats the list.
import * as pb from './gen/api.js';
import type { MessageFns } from './gen/api.js';
import * as berth from './gen/berth.js';

/** The two CRI services (runtime.v1), and Berth's own Pulls (berth.v1, proto/berth.proto). */
export type ServiceName = 'RuntimeService' | 'ImageService' | 'Pulls';

export interface MethodDef<Req, Res, S extends boolean = boolean> {
  readonly service: ServiceName;
  readonly name: string;
  /** gRPC path, e.g. /runtime.v1.RuntimeService/Version */
  readonly path: string;
  readonly request: MessageFns<Req>;
  readonly response: MessageFns<Res>;
  /** true for server-streaming RPCs (Stream*, GetContainerEvents). */
  readonly serverStream: S;
}

function def<Req, Res, S extends boolean>(
  service: ServiceName,
  name: string,
  request: MessageFns<Req>,
  response: MessageFns<Res>,
  serverStream: S,
): MethodDef<Req, Res, S> {
  return { service, name, path: `/${service === 'Pulls' ? 'berth' : 'runtime'}.v1.${service}/${name}`, request, response, serverStream };
}
const unary = <Req, Res>(s: ServiceName, n: string, q: MessageFns<Req>, r: MessageFns<Res>): MethodDef<Req, Res, false> =>
  def(s, n, q, r, false);
const serverStream = <Req, Res>(s: ServiceName, n: string, q: MessageFns<Req>, r: MessageFns<Res>): MethodDef<Req, Res, true> =>
  def(s, n, q, r, true);

// One export per RPC, each marked pure so a bundle keeps only the codecs it uses
// (the CLIs load a handful of the ~300 message types).
export const Version = /* @__PURE__ */ unary('RuntimeService', 'Version', pb.VersionRequest, pb.VersionResponse);
export const RunPodSandbox = /* @__PURE__ */ unary('RuntimeService', 'RunPodSandbox', pb.RunPodSandboxRequest, pb.RunPodSandboxResponse);
export const StopPodSandbox = /* @__PURE__ */ unary('RuntimeService', 'StopPodSandbox', pb.StopPodSandboxRequest, pb.StopPodSandboxResponse);
export const RemovePodSandbox = /* @__PURE__ */ unary('RuntimeService', 'RemovePodSandbox', pb.RemovePodSandboxRequest, pb.RemovePodSandboxResponse);
export const PodSandboxStatus = /* @__PURE__ */ unary('RuntimeService', 'PodSandboxStatus', pb.PodSandboxStatusRequest, pb.PodSandboxStatusResponse);
export const ListPodSandbox = /* @__PURE__ */ unary('RuntimeService', 'ListPodSandbox', pb.ListPodSandboxRequest, pb.ListPodSandboxResponse);
export const StreamPodSandboxes = /* @__PURE__ */ serverStream('RuntimeService', 'StreamPodSandboxes', pb.StreamPodSandboxesRequest, pb.StreamPodSandboxesResponse);
export const CreateContainer = /* @__PURE__ */ unary('RuntimeService', 'CreateContainer', pb.CreateContainerRequest, pb.CreateContainerResponse);
export const StartContainer = /* @__PURE__ */ unary('RuntimeService', 'StartContainer', pb.StartContainerRequest, pb.StartContainerResponse);
export const StopContainer = /* @__PURE__ */ unary('RuntimeService', 'StopContainer', pb.StopContainerRequest, pb.StopContainerResponse);
export const RemoveContainer = /* @__PURE__ */ unary('RuntimeService', 'RemoveContainer', pb.RemoveContainerRequest, pb.RemoveContainerResponse);
export const ListContainers = /* @__PURE__ */ unary('RuntimeService', 'ListContainers', pb.ListContainersRequest, pb.ListContainersResponse);
export const StreamContainers = /* @__PURE__ */ serverStream('RuntimeService', 'StreamContainers', pb.StreamContainersRequest, pb.StreamContainersResponse);
export const ContainerStatus = /* @__PURE__ */ unary('RuntimeService', 'ContainerStatus', pb.ContainerStatusRequest, pb.ContainerStatusResponse);
export const UpdateContainerResources = /* @__PURE__ */ unary('RuntimeService', 'UpdateContainerResources', pb.UpdateContainerResourcesRequest, pb.UpdateContainerResourcesResponse);
export const ReopenContainerLog = /* @__PURE__ */ unary('RuntimeService', 'ReopenContainerLog', pb.ReopenContainerLogRequest, pb.ReopenContainerLogResponse);
export const ExecSync = /* @__PURE__ */ unary('RuntimeService', 'ExecSync', pb.ExecSyncRequest, pb.ExecSyncResponse);
export const Exec = /* @__PURE__ */ unary('RuntimeService', 'Exec', pb.ExecRequest, pb.ExecResponse);
export const Attach = /* @__PURE__ */ unary('RuntimeService', 'Attach', pb.AttachRequest, pb.AttachResponse);
export const PortForward = /* @__PURE__ */ unary('RuntimeService', 'PortForward', pb.PortForwardRequest, pb.PortForwardResponse);
export const ContainerStats = /* @__PURE__ */ unary('RuntimeService', 'ContainerStats', pb.ContainerStatsRequest, pb.ContainerStatsResponse);
export const ListContainerStats = /* @__PURE__ */ unary('RuntimeService', 'ListContainerStats', pb.ListContainerStatsRequest, pb.ListContainerStatsResponse);
export const StreamContainerStats = /* @__PURE__ */ serverStream('RuntimeService', 'StreamContainerStats', pb.StreamContainerStatsRequest, pb.StreamContainerStatsResponse);
export const PodSandboxStats = /* @__PURE__ */ unary('RuntimeService', 'PodSandboxStats', pb.PodSandboxStatsRequest, pb.PodSandboxStatsResponse);
export const ListPodSandboxStats = /* @__PURE__ */ unary('RuntimeService', 'ListPodSandboxStats', pb.ListPodSandboxStatsRequest, pb.ListPodSandboxStatsResponse);
export const StreamPodSandboxStats = /* @__PURE__ */ serverStream('RuntimeService', 'StreamPodSandboxStats', pb.StreamPodSandboxStatsRequest, pb.StreamPodSandboxStatsResponse);
export const UpdateRuntimeConfig = /* @__PURE__ */ unary('RuntimeService', 'UpdateRuntimeConfig', pb.UpdateRuntimeConfigRequest, pb.UpdateRuntimeConfigResponse);
export const Status = /* @__PURE__ */ unary('RuntimeService', 'Status', pb.StatusRequest, pb.StatusResponse);
export const CheckpointContainer = /* @__PURE__ */ unary('RuntimeService', 'CheckpointContainer', pb.CheckpointContainerRequest, pb.CheckpointContainerResponse);
export const GetContainerEvents = /* @__PURE__ */ serverStream('RuntimeService', 'GetContainerEvents', pb.GetEventsRequest, pb.ContainerEventResponse);
export const ListMetricDescriptors = /* @__PURE__ */ unary('RuntimeService', 'ListMetricDescriptors', pb.ListMetricDescriptorsRequest, pb.ListMetricDescriptorsResponse);
export const ListPodSandboxMetrics = /* @__PURE__ */ unary('RuntimeService', 'ListPodSandboxMetrics', pb.ListPodSandboxMetricsRequest, pb.ListPodSandboxMetricsResponse);
export const StreamPodSandboxMetrics = /* @__PURE__ */ serverStream('RuntimeService', 'StreamPodSandboxMetrics', pb.StreamPodSandboxMetricsRequest, pb.StreamPodSandboxMetricsResponse);
export const RuntimeConfig = /* @__PURE__ */ unary('RuntimeService', 'RuntimeConfig', pb.RuntimeConfigRequest, pb.RuntimeConfigResponse);
export const UpdatePodSandboxResources = /* @__PURE__ */ unary('RuntimeService', 'UpdatePodSandboxResources', pb.UpdatePodSandboxResourcesRequest, pb.UpdatePodSandboxResourcesResponse);
export const ListImages = /* @__PURE__ */ unary('ImageService', 'ListImages', pb.ListImagesRequest, pb.ListImagesResponse);
export const StreamImages = /* @__PURE__ */ serverStream('ImageService', 'StreamImages', pb.StreamImagesRequest, pb.StreamImagesResponse);
export const ImageStatus = /* @__PURE__ */ unary('ImageService', 'ImageStatus', pb.ImageStatusRequest, pb.ImageStatusResponse);
export const PullImage = /* @__PURE__ */ unary('ImageService', 'PullImage', pb.PullImageRequest, pb.PullImageResponse);
export const RemoveImage = /* @__PURE__ */ unary('ImageService', 'RemoveImage', pb.RemoveImageRequest, pb.RemoveImageResponse);
export const ImageFsInfo = /* @__PURE__ */ unary('ImageService', 'ImageFsInfo', pb.ImageFsInfoRequest, pb.ImageFsInfoResponse);


// Berth's own service (not CRI): per-layer progress of a pull in flight, for `berth pull`.
export const WatchPull = /* @__PURE__ */ serverStream('Pulls', 'WatchPull', berth.WatchPullRequest, berth.PullProgress);
