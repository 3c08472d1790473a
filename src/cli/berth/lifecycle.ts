// Making, remaking and removing berth's one-container pods through the CRI,
// and waiting for a container to exit (the CRI has no wait: it is polled).
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ContainerState, PodSandboxState, type Container } from '../../api/gen/api.js';
import {
  ContainerStatus,
  CreateContainer,
  ImageStatus,
  PodSandboxStatus,
  RemoveContainer,
  RemovePodSandbox,
  RunPodSandbox,
  StartContainer,
  StopContainer,
  StopPodSandbox,
} from '../../api/methods.js';
import type { CliContext } from '../common/cli-context.js';
import { VerbError, wrapError } from './errors.js';
import { logRoot } from './labels.js';
import { pullSummary, pullWithProgress } from './pull-progress.js';
import { isBerth } from './resolve.js';
import { containerConfig, optionsOf, podConfig } from './run-config.js';
import type { RunOptions } from './run-options.js';

/** Long enough for a pod's network set-up or a container's start on a busy node. */
const CREATE_DEADLINE_MS = 120_000;

/** The image's ID, pulled first when the runtime does not have it (as docker run). */
export async function ensureImage(ctx: CliContext, image: string): Promise<string> {
  let found;
  try {
    found = (await ctx.image.call(ImageStatus, { image: { image } })).image;
  } catch (e) {
    throw wrapError(`looking up image ${image}`, e);
  }
  if (found) return found.id;
  process.stderr.write(`Unable to find image '${image}' locally\n`);
  const r = await pullWithProgress(ctx, image);
  process.stderr.write(`${pullSummary(image, r)}\n`);
  return r.imageRef;
}

export interface Made {
  podId: string;
  containerId: string;
}

/** RunPodSandbox + CreateContainer + StartContainer; a failure removes what was made. */
export async function makeContainer(ctx: CliContext, o: RunOptions, imageId: string, start: boolean): Promise<Made> {
  const uid = randomUUID();
  const pod = podConfig(o, { uid, logDirectory: join(logRoot(), `${o.name}_${uid}`) });
  let podId: string;
  try {
    podId = (await ctx.runtime.call(RunPodSandbox, { config: pod }, { timeoutMs: CREATE_DEADLINE_MS })).podSandboxId;
  } catch (e) {
    throw wrapError(`creating the pod of ${o.name}`, e);
  }
  let containerId = '';
  try {
    containerId = (await ctx.runtime.call(CreateContainer, { podSandboxId: podId, config: containerConfig(o, 0, imageId), sandboxConfig: pod }, { timeoutMs: CREATE_DEADLINE_MS })).containerId;
    if (start) await ctx.runtime.call(StartContainer, { containerId }, { timeoutMs: CREATE_DEADLINE_MS });
  } catch (e) {
    await removePod(ctx, podId, join(logRoot(), `${o.name}_${uid}`)).catch(() => undefined);
    throw wrapError(`${containerId ? 'starting' : 'creating'} container ${o.name}`, e);
  }
  return { podId, containerId };
}

/**
 * A CRI container runs once: starting an exited berth container makes a new
 * one (attempt + 1) in the same pod from the stored options. The name stays,
 * the ID changes, the log file continues.
 */
export async function remake(ctx: CliContext, c: Container): Promise<string> {
  const o = optionsOf(c.annotations);
  if (!isBerth(c) || !o) throw new VerbError(`container ${c.id.slice(0, 12)} was not made by berth run, and a CRI container cannot be started twice; its owner (e.g. the kubelet) restarts it`);
  const pod = (await ctx.runtime.call(PodSandboxStatus, { podSandboxId: c.podSandboxId })).status;
  if (!pod || pod.state !== PodSandboxState.SANDBOX_READY) throw new VerbError(`the pod of ${o.name} is not ready (stopped, or the node restarted): remove it with 'berth rm ${o.name}' and run it again`);
  const status = (await ctx.runtime.call(ContainerStatus, { containerId: c.id })).status;
  const logDirectory = status?.logPath ? dirname(status.logPath) : join(logRoot(), `${o.name}_${pod.metadata?.uid ?? ''}`);
  const sandbox = podConfig(o, { uid: pod.metadata?.uid ?? '', logDirectory });
  const attempt = (c.metadata?.attempt ?? 0) + 1;
  const imageId = c.imageRef || c.image?.image || o.image;
  const config = containerConfig(o, attempt, imageId);
  // Limits changed live (container set, update) outlive the restart, as docker update's do.
  const now = status?.resources?.linux;
  if (now && config.linux) {
    config.linux.resources = {
      cpuPeriod: now.cpuPeriod,
      cpuQuota: now.cpuQuota,
      cpuShares: now.cpuShares,
      cpusetCpus: now.cpusetCpus,
      cpusetMems: now.cpusetMems,
      memoryLimitInBytes: now.memoryLimitInBytes > 0n && now.memoryLimitInBytes < 2n ** 62n ? now.memoryLimitInBytes : 0n,
    };
  }
  const id = (await ctx.runtime.call(CreateContainer, { podSandboxId: c.podSandboxId, config, sandboxConfig: sandbox }, { timeoutMs: CREATE_DEADLINE_MS })).containerId;
  await ctx.runtime.call(RemoveContainer, { containerId: c.id });
  await ctx.runtime.call(StartContainer, { containerId: id }, { timeoutMs: CREATE_DEADLINE_MS });
  return id;
}

/** StopContainer with room for the grace period in the call's deadline. */
export async function stopContainer(ctx: CliContext, id: string, timeoutSec: number): Promise<void> {
  await ctx.runtime.call(StopContainer, { containerId: id, timeout: BigInt(timeoutSec) }, { timeoutMs: ctx.endpoints.timeoutMs + Math.max(0, timeoutSec) * 1000 + 5000 });
}

/** Removes a container, and its pod and logs when berth made it. */
export async function removeContainer(ctx: CliContext, c: Container): Promise<void> {
  const status = (await ctx.runtime.call(ContainerStatus, { containerId: c.id }).catch(() => undefined))?.status;
  if (status?.state === ContainerState.CONTAINER_RUNNING) await stopContainer(ctx, c.id, 0);
  await ctx.runtime.call(RemoveContainer, { containerId: c.id });
  if (isBerth(c)) await removePod(ctx, c.podSandboxId, status?.logPath ? dirname(status.logPath) : undefined);
}

export async function removePod(ctx: CliContext, podId: string, logDir: string | undefined): Promise<void> {
  await ctx.runtime.call(StopPodSandbox, { podSandboxId: podId }, { timeoutMs: CREATE_DEADLINE_MS });
  await ctx.runtime.call(RemovePodSandbox, { podSandboxId: podId }, { timeoutMs: CREATE_DEADLINE_MS });
  // Only a directory berth named for the pod (under its log root) is removed.
  if (logDir && logDir.startsWith(`${logRoot()}/`)) await rm(logDir, { recursive: true, force: true });
}

/** Waits until the container has exited; its exit code. */
export async function waitExit(ctx: CliContext, id: string, signal?: AbortSignal, maxDelayMs = 500): Promise<number> {
  let delay = 50;
  for (;;) {
    const s = (await ctx.runtime.call(ContainerStatus, { containerId: id })).status;
    if (!s) throw new VerbError(`container ${id.slice(0, 12)} disappeared`);
    if (s.state === ContainerState.CONTAINER_EXITED) return s.exitCode;
    if (signal?.aborted) throw new VerbError('interrupted');
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(maxDelayMs, delay * 2);
  }
}
