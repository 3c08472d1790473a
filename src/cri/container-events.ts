// GetContainerEvents: a server stream of container lifecycle events, each
// carrying the pod's status and its containers' statuses (what the kubelet's
// evented PLEG consumes). Subscribers get events from the moment they
// subscribe; a client that stops reading is dropped by the server (see
// MAX_STREAM_BUFFER in api/server.ts) rather than buffered without bound.
import { ContainerEventType, type ContainerEventResponse } from '../api/gen/api.js';
import type { Handlers } from '../api/server.js';
import type { ContainerManager } from '../container/manager.js';
import type { ContainerRecord } from '../container/record.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';
import type { PodRecord } from '../pod/sandbox-store.js';
import { podContainerStatuses } from './container-service.js';
import { toPodSandboxStatus } from './pod-mapping.js';

const KIND: Record<'created' | 'started' | 'stopped' | 'deleted', ContainerEventType> = {
  created: ContainerEventType.CONTAINER_CREATED_EVENT,
  started: ContainerEventType.CONTAINER_STARTED_EVENT,
  stopped: ContainerEventType.CONTAINER_STOPPED_EVENT,
  deleted: ContainerEventType.CONTAINER_DELETED_EVENT,
};

type Subscriber = (e: ContainerEventResponse) => boolean;

export class ContainerEvents {
  private readonly subscribers = new Set<Subscriber>();
  private containers: ContainerManager | undefined;
  private pods: SandboxManager | undefined;

  attach(containers: ContainerManager, pods: SandboxManager): void {
    this.containers = containers;
    this.pods = pods;
  }

  /** Called by the container manager on every state change. */
  publish(rec: ContainerRecord, kind: keyof typeof KIND): void {
    if (this.subscribers.size === 0 || !this.containers || !this.pods) return;
    const containers = this.containers;
    const pod = this.pods.store.get(rec.podId);
    const event: ContainerEventResponse = {
      containerId: rec.id,
      containerEventType: KIND[kind],
      createdAt: BigInt(Date.now()) * 1_000_000n,
      podSandboxStatus: pod ? toPodSandboxStatus(pod) : undefined,
      containersStatuses: podContainerStatuses(containers, rec.podId),
    };
    for (const s of [...this.subscribers]) if (!s(event)) this.subscribers.delete(s);
  }

  /**
   * A pod sandbox's change, as containerd reports it: the sandbox id as container_id
   * (`berth events` tells pods by that). `pod` is passed for deletions, whose record is gone.
   */
  publishPod(pod: PodRecord, kind: keyof typeof KIND): void {
    if (this.subscribers.size === 0 || !this.containers) return;
    const event: ContainerEventResponse = {
      containerId: pod.id,
      containerEventType: KIND[kind],
      createdAt: BigInt(Date.now()) * 1_000_000n,
      podSandboxStatus: toPodSandboxStatus(pod),
      containersStatuses: podContainerStatuses(this.containers, pod.id),
    };
    for (const s of [...this.subscribers]) if (!s(event)) this.subscribers.delete(s);
  }

  handlers(): Pick<Handlers, 'GetContainerEvents'> {
    return {
      GetContainerEvents: (_req, ctx, send) =>
        new Promise<void>((resolve) => {
          // The server drops a stream whose client stops reading (ctx.signal then aborts).
          const sub: Subscriber = (e) => {
            if (ctx.signal.aborted) return false;
            send(e);
            return true;
          };
          this.subscribers.add(sub);
          ctx.signal.addEventListener('abort', () => {
            this.subscribers.delete(sub);
            resolve();
          }, { once: true });
        }),
    };
  }
}
