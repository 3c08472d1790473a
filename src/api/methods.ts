// The CRI v1 method table: one entry per RPC of both services, binding the
// gRPC path to its request/response codecs. The server and the client are both
// driven by it, so neither repeats the list.
import * as pb from './gen/api.js';
import type { MessageFns } from './gen/api.js';

export type ServiceName = 'RuntimeService' | 'ImageService';

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
  return { service, name, path: `/runtime.v1.${service}/${name}`, request, response, serverStream };
}
const unary = <Req, Res>(s: ServiceName, n: string, q: MessageFns<Req>, r: MessageFns<Res>) => def(s, n, q, r, false);
const serverStream = <Req, Res>(s: ServiceName, n: string, q: MessageFns<Req>, r: MessageFns<Res>) =>
  def(s, n, q, r, true);

export const methods = {
  Version: unary('RuntimeService', 'Version', pb.VersionRequest, pb.VersionResponse),
  RunPodSandbox: unary('RuntimeService', 'RunPodSandbox', pb.RunPodSandboxRequest, pb.RunPodSandboxResponse),
  StopPodSandbox: unary('RuntimeService', 'StopPodSandbox', pb.StopPodSandboxRequest, pb.StopPodSandboxResponse),
  RemovePodSandbox: unary('RuntimeService', 'RemovePodSandbox', pb.RemovePodSandboxRequest, pb.RemovePodSandboxResponse),
  PodSandboxStatus: unary('RuntimeService', 'PodSandboxStatus', pb.PodSandboxStatusRequest, pb.PodSandboxStatusResponse),
  ListPodSandbox: unary('RuntimeService', 'ListPodSandbox', pb.ListPodSandboxRequest, pb.ListPodSandboxResponse),
  StreamPodSandboxes: serverStream('RuntimeService', 'StreamPodSandboxes', pb.StreamPodSandboxesRequest, pb.StreamPodSandboxesResponse),
  CreateContainer: unary('RuntimeService', 'CreateContainer', pb.CreateContainerRequest, pb.CreateContainerResponse),
  StartContainer: unary('RuntimeService', 'StartContainer', pb.StartContainerRequest, pb.StartContainerResponse),
  StopContainer: unary('RuntimeService', 'StopContainer', pb.StopContainerRequest, pb.StopContainerResponse),
  RemoveContainer: unary('RuntimeService', 'RemoveContainer', pb.RemoveContainerRequest, pb.RemoveContainerResponse),
  ListContainers: unary('RuntimeService', 'ListContainers', pb.ListContainersRequest, pb.ListContainersResponse),
  StreamContainers: serverStream('RuntimeService', 'StreamContainers', pb.StreamContainersRequest, pb.StreamContainersResponse),
  ContainerStatus: unary('RuntimeService', 'ContainerStatus', pb.ContainerStatusRequest, pb.ContainerStatusResponse),
  UpdateContainerResources: unary('RuntimeService', 'UpdateContainerResources', pb.UpdateContainerResourcesRequest, pb.UpdateContainerResourcesResponse),
  ReopenContainerLog: unary('RuntimeService', 'ReopenContainerLog', pb.ReopenContainerLogRequest, pb.ReopenContainerLogResponse),
  ExecSync: unary('RuntimeService', 'ExecSync', pb.ExecSyncRequest, pb.ExecSyncResponse),
  Exec: unary('RuntimeService', 'Exec', pb.ExecRequest, pb.ExecResponse),
  Attach: unary('RuntimeService', 'Attach', pb.AttachRequest, pb.AttachResponse),
  PortForward: unary('RuntimeService', 'PortForward', pb.PortForwardRequest, pb.PortForwardResponse),
  ContainerStats: unary('RuntimeService', 'ContainerStats', pb.ContainerStatsRequest, pb.ContainerStatsResponse),
  ListContainerStats: unary('RuntimeService', 'ListContainerStats', pb.ListContainerStatsRequest, pb.ListContainerStatsResponse),
  StreamContainerStats: serverStream('RuntimeService', 'StreamContainerStats', pb.StreamContainerStatsRequest, pb.StreamContainerStatsResponse),
  PodSandboxStats: unary('RuntimeService', 'PodSandboxStats', pb.PodSandboxStatsRequest, pb.PodSandboxStatsResponse),
  ListPodSandboxStats: unary('RuntimeService', 'ListPodSandboxStats', pb.ListPodSandboxStatsRequest, pb.ListPodSandboxStatsResponse),
  StreamPodSandboxStats: serverStream('RuntimeService', 'StreamPodSandboxStats', pb.StreamPodSandboxStatsRequest, pb.StreamPodSandboxStatsResponse),
  UpdateRuntimeConfig: unary('RuntimeService', 'UpdateRuntimeConfig', pb.UpdateRuntimeConfigRequest, pb.UpdateRuntimeConfigResponse),
  Status: unary('RuntimeService', 'Status', pb.StatusRequest, pb.StatusResponse),
  CheckpointContainer: unary('RuntimeService', 'CheckpointContainer', pb.CheckpointContainerRequest, pb.CheckpointContainerResponse),
  GetContainerEvents: serverStream('RuntimeService', 'GetContainerEvents', pb.GetEventsRequest, pb.ContainerEventResponse),
  ListMetricDescriptors: unary('RuntimeService', 'ListMetricDescriptors', pb.ListMetricDescriptorsRequest, pb.ListMetricDescriptorsResponse),
  ListPodSandboxMetrics: unary('RuntimeService', 'ListPodSandboxMetrics', pb.ListPodSandboxMetricsRequest, pb.ListPodSandboxMetricsResponse),
  StreamPodSandboxMetrics: serverStream('RuntimeService', 'StreamPodSandboxMetrics', pb.StreamPodSandboxMetricsRequest, pb.StreamPodSandboxMetricsResponse),
  RuntimeConfig: unary('RuntimeService', 'RuntimeConfig', pb.RuntimeConfigRequest, pb.RuntimeConfigResponse),
  UpdatePodSandboxResources: unary('RuntimeService', 'UpdatePodSandboxResources', pb.UpdatePodSandboxResourcesRequest, pb.UpdatePodSandboxResourcesResponse),
  ListImages: unary('ImageService', 'ListImages', pb.ListImagesRequest, pb.ListImagesResponse),
  StreamImages: serverStream('ImageService', 'StreamImages', pb.StreamImagesRequest, pb.StreamImagesResponse),
  ImageStatus: unary('ImageService', 'ImageStatus', pb.ImageStatusRequest, pb.ImageStatusResponse),
  PullImage: unary('ImageService', 'PullImage', pb.PullImageRequest, pb.PullImageResponse),
  RemoveImage: unary('ImageService', 'RemoveImage', pb.RemoveImageRequest, pb.RemoveImageResponse),
  ImageFsInfo: unary('ImageService', 'ImageFsInfo', pb.ImageFsInfoRequest, pb.ImageFsInfoResponse),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type RequestOf<M extends MethodName> = Methods[M] extends MethodDef<infer Q, infer _R> ? Q : never;
export type ResponseOf<M extends MethodName> = Methods[M] extends MethodDef<infer _Q, infer R> ? R : never;
export type UnaryMethodName = { [M in MethodName]: Methods[M]['serverStream'] extends false ? M : never }[MethodName];
export type StreamMethodName = Exclude<MethodName, UnaryMethodName>;
