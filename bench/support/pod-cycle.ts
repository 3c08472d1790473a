// What the pod benchmarks time: the kubelet's calls for one pod with one
// running busybox `sleep` container, in the pod shapes the kubelet sends, and
// the statistics they are reported with. Shared by bench/pod-startup.ts and
// bench/pod-shapes.ts so both time exactly the same calls.
import { join } from 'node:path';
import { ContainerConfig, NamespaceMode, PodSandboxConfig, Protocol, SecurityProfile_ProfileType } from '../../src/api/gen/api.js';
import { CreateContainer, RemovePodSandbox, RunPodSandbox, StartContainer, StopPodSandbox } from '../../src/api/methods.js';
import type { CriClient } from '../../src/client/cri-client.js';

/**
 * The pod shapes a kubelet produces: `default` is a pod without
 * shareProcessNamespace (each container its own PID namespace), `sharedPid`
 * one with it, `hostPort` a container port published on the node (the only
 * shape where the CNI portmap plugin has work), `hostNetwork` a pod in the
 * node's network namespace (no CNI at all).
 */
export const SHAPES = ['default', 'sharedPid', 'hostPort', 'hostNetwork'] as const;
export type Shape = (typeof SHAPES)[number];

export interface PodSpec {
  shape: Shape;
  /** Unique per pod: the kubelet never reuses a pod's name+uid+attempt while it exists. */
  name: string;
  logDir: string;
  /** The node port for the hostPort shape. */
  hostPort?: number;
}

export function podConfig(p: PodSpec): PodSandboxConfig {
  const namespaceOptions = {
    pid: p.shape === 'sharedPid' ? NamespaceMode.POD : NamespaceMode.CONTAINER,
    network: p.shape === 'hostNetwork' ? NamespaceMode.NODE : NamespaceMode.POD,
  };
  return PodSandboxConfig.fromPartial({
    metadata: { name: p.name, namespace: 'bench', uid: `uid-${p.name}`, attempt: 0 },
    // The kubelet sends no hostname for a hostNetwork pod (it keeps the node's).
    hostname: p.shape === 'hostNetwork' ? '' : p.name.slice(0, 63),
    logDirectory: join(p.logDir, p.name),
    portMappings: p.shape === 'hostPort' ? [{ protocol: Protocol.TCP, containerPort: 8080, hostPort: p.hostPort ?? 18080 }] : [],
    linux: { securityContext: { namespaceOptions } },
  });
}

export function ctrConfig(image: string): ContainerConfig {
  return ContainerConfig.fromPartial({
    metadata: { name: 'sleeper', attempt: 0 },
    image: { image },
    command: ['sleep', '3600'],
    logPath: 'sleeper.log',
    // The kubelet names a seccomp profile for every container: Unconfined unless the pod asks.
    linux: { securityContext: { seccomp: { profileType: SecurityProfile_ProfileType.Unconfined } } },
  });
}

export interface StartTiming {
  /** RunPodSandbox + CreateContainer + StartContainer, ms. */
  total: number;
  run: number;
  create: number;
  start: number;
}

export interface StopTiming {
  /** StopPodSandbox + RemovePodSandbox, ms. */
  total: number;
  stop: number;
  remove: number;
}

export async function startPod(c: CriClient, config: PodSandboxConfig, image: string): Promise<{ t: StartTiming; podId: string }> {
  const t0 = performance.now();
  const { podSandboxId } = await c.call(RunPodSandbox, { config, runtimeHandler: '' });
  const t1 = performance.now();
  const { containerId } = await c.call(CreateContainer, { podSandboxId, config: ctrConfig(image), sandboxConfig: config });
  const t2 = performance.now();
  await c.call(StartContainer, { containerId });
  const t3 = performance.now();
  return { t: { total: t3 - t0, run: t1 - t0, create: t2 - t1, start: t3 - t2 }, podId: podSandboxId };
}

/** What the kubelet does to a pod whose container still runs: StopPodSandbox (kills it), then RemovePodSandbox. */
export async function stopPod(c: CriClient, podId: string): Promise<StopTiming> {
  const t0 = performance.now();
  await c.call(StopPodSandbox, { podSandboxId: podId });
  const t1 = performance.now();
  await c.call(RemovePodSandbox, { podSandboxId: podId });
  const t2 = performance.now();
  return { total: t2 - t0, stop: t1 - t0, remove: t2 - t1 };
}

/** Nearest-rank percentile (no interpolation: every figure reported is a measured sample). */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface Dist {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function dist(xs: readonly number[]): Dist {
  return { n: xs.length, p50: pct(xs, 50), p90: pct(xs, 90), p99: pct(xs, 99), max: pct(xs, 100) };
}

export function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export const ms = (x: number): string => x.toFixed(1);

export function loadAverage(text: string): string {
  return text.split(' ').slice(0, 3).join(' ');
}
