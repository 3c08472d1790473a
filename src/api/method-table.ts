// All RPCs by name, for the server (which serves every one of them) and for
// typing handler tables. Clients import single methods from methods.ts instead.
import * as m from './methods.js';
import type { MethodDef } from './methods.js';

export const methods = {
  Version: m.Version,
  RunPodSandbox: m.RunPodSandbox,
  StopPodSandbox: m.StopPodSandbox,
  RemovePodSandbox: m.RemovePodSandbox,
  PodSandboxStatus: m.PodSandboxStatus,
  ListPodSandbox: m.ListPodSandbox,
  StreamPodSandboxes: m.StreamPodSandboxes,
  CreateContainer: m.CreateContainer,
  StartContainer: m.StartContainer,
  StopContainer: m.StopContainer,
  RemoveContainer: m.RemoveContainer,
  ListContainers: m.ListContainers,
  StreamContainers: m.StreamContainers,
  ContainerStatus: m.ContainerStatus,
  UpdateContainerResources: m.UpdateContainerResources,
  ReopenContainerLog: m.ReopenContainerLog,
  ExecSync: m.ExecSync,
  Exec: m.Exec,
  Attach: m.Attach,
  PortForward: m.PortForward,
  ContainerStats: m.ContainerStats,
  ListContainerStats: m.ListContainerStats,
  StreamContainerStats: m.StreamContainerStats,
  PodSandboxStats: m.PodSandboxStats,
  ListPodSandboxStats: m.ListPodSandboxStats,
  StreamPodSandboxStats: m.StreamPodSandboxStats,
  UpdateRuntimeConfig: m.UpdateRuntimeConfig,
  Status: m.Status,
  CheckpointContainer: m.CheckpointContainer,
  GetContainerEvents: m.GetContainerEvents,
  ListMetricDescriptors: m.ListMetricDescriptors,
  ListPodSandboxMetrics: m.ListPodSandboxMetrics,
  StreamPodSandboxMetrics: m.StreamPodSandboxMetrics,
  RuntimeConfig: m.RuntimeConfig,
  UpdatePodSandboxResources: m.UpdatePodSandboxResources,
  ListImages: m.ListImages,
  StreamImages: m.StreamImages,
  ImageStatus: m.ImageStatus,
  PullImage: m.PullImage,
  RemoveImage: m.RemoveImage,
  ImageFsInfo: m.ImageFsInfo,
  WatchPull: m.WatchPull,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type RequestOf<M extends MethodName> = Methods[M] extends MethodDef<infer Q, infer _R> ? Q : never;
export type ResponseOf<M extends MethodName> = Methods[M] extends MethodDef<infer _Q, infer R> ? R : never;
export type UnaryMethodName = { [M in MethodName]: Methods[M]['serverStream'] extends false ? M : never }[MethodName];
export type StreamMethodName = Exclude<MethodName, UnaryMethodName>;
