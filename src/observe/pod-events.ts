// Pod sandbox events on GetContainerEvents: RunPodSandbox, StopPodSandbox and
// RemovePodSandbox, once they succeeded, publish the pod's change (containerd
// does the same, with the sandbox id as container_id). Wrapping the three
// handlers keeps the pod manager free of event plumbing.
import type { Handlers } from '../api/server.js';
import type { ContainerEvents } from '../cri/container-events.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';
import type { PodRecord } from '../pod/sandbox-store.js';

export function publishPodEvents(handlers: Handlers, events: ContainerEvents, pods: SandboxManager): void {
  const lookup = (id: string): PodRecord | undefined => {
    try {
      return id ? pods.get(id) : undefined;
    } catch {
      return undefined;
    }
  };
  const run = handlers.RunPodSandbox;
  if (run) {
    handlers.RunPodSandbox = async (req, ctx) => {
      const known = new Set(pods.list().map((p) => p.id));
      const res = await run(req, ctx);
      const pod = pods.store.get(res.podSandboxId);
      // A retry answered with the existing pod changed nothing.
      if (pod && !known.has(pod.id)) {
        events.publishPod(pod, 'created');
        events.publishPod(pod, 'started');
      }
      return res;
    };
  }
  const stop = handlers.StopPodSandbox;
  if (stop) {
    handlers.StopPodSandbox = async (req, ctx) => {
      const before = lookup(req.podSandboxId);
      const wasReady = before?.phase === 'ready';
      const res = await stop(req, ctx);
      if (before && wasReady) events.publishPod(before, 'stopped');
      return res;
    };
  }
  const remove = handlers.RemovePodSandbox;
  if (remove) {
    handlers.RemovePodSandbox = async (req, ctx) => {
      const before = lookup(req.podSandboxId);
      const snapshot = before ? { ...before } : undefined;
      const res = await remove(req, ctx);
      if (snapshot && !pods.store.get(snapshot.id)) events.publishPod(snapshot, 'deleted');
      return res;
    };
  }
}
