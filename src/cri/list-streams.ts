// The Stream* list RPCs of CRI 1.36 (KEP-5825, "CRI list streaming"): the
// same answer as the unary List* call with the same filter, sent as a server
// stream of batches so that a node whose list outgrows one gRPC message (the
// kubelet's limit is 16 MiB) can still be listed. Each Stream handler is
// derived from its List handler, so filters and contents can never drift
// apart. An empty list is a stream with no message, as a client that
// concatenates the batches expects.
import * as pb from '../api/gen/api.js';
import type { MessageFns } from '../api/gen/api.js';
import type { CallContext, Handlers, StreamHandler, UnaryHandler } from '../api/server.js';
import type { StreamMethodName, UnaryMethodName } from '../api/method-table.js';

export interface BatchLimits {
  /** Encoded bytes of items in one message (a single larger item still goes alone). */
  maxBytes: number;
  /** Items in one message, whatever their size (containerd's batch is 5000). */
  maxItems: number;
}

/** A quarter of the kubelet's 16 MiB: far from the limit, few messages for any real node. */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxBytes: 4 * 1024 * 1024, maxItems: 5000 };

/**
 * Splits `items` into consecutive batches within `limits`, keeping their
 * order. `sizeOf` is an item's encoded size; each item also costs its
 * field tag and length prefix in the repeated field (at most 6 bytes here).
 */
export function splitBatches<T>(items: readonly T[], sizeOf: (item: T) => number, limits: BatchLimits): T[][] {
  const out: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item) + 6;
    if (batch.length > 0 && (bytes + size > limits.maxBytes || batch.length >= limits.maxItems)) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

const encodedSize = <T>(fns: MessageFns<T>) => (item: T): number => fns.encode(item).finish().length;

/** One Stream RPC from its List RPC: how to turn the request, which repeated field to split, how to wrap a batch. */
function derive<L extends UnaryMethodName, S extends StreamMethodName, Item>(
  list: UnaryHandler<L> | undefined,
  toListRequest: (req: Parameters<StreamHandler<S>>[0]) => Parameters<UnaryHandler<L>>[0],
  itemsOf: (res: Awaited<ReturnType<UnaryHandler<L>>>) => readonly Item[],
  wrap: (batch: Item[]) => Parameters<Parameters<StreamHandler<S>>[2]>[0],
  itemFns: MessageFns<Item>,
  limits: BatchLimits,
): StreamHandler<S> | undefined {
  if (!list) return undefined;
  const sizeOf = encodedSize(itemFns);
  return async (req: Parameters<StreamHandler<S>>[0], ctx: CallContext, send: Parameters<StreamHandler<S>>[2]) => {
    const res = await list(toListRequest(req), ctx);
    for (const batch of splitBatches(itemsOf(res), sizeOf, limits)) {
      if (ctx.signal.aborted) return;
      send(wrap(batch));
    }
  };
}

export type ListStreamHandlers = Pick<
  Handlers,
  'StreamPodSandboxes' | 'StreamContainers' | 'StreamContainerStats' | 'StreamPodSandboxStats' | 'StreamPodSandboxMetrics' | 'StreamImages'
>;

/** The Stream* handlers for whichever List* handlers `h` has (a missing List leaves its Stream Unimplemented). */
export function listStreamHandlers(h: Handlers, limits: BatchLimits = DEFAULT_BATCH_LIMITS): ListStreamHandlers {
  return {
    StreamPodSandboxes: derive<'ListPodSandbox', 'StreamPodSandboxes', pb.PodSandbox>(
      h.ListPodSandbox, (r) => ({ filter: r.filter }), (res) => res.items, (b) => ({ podSandboxes: b }), pb.PodSandbox, limits),
    StreamContainers: derive<'ListContainers', 'StreamContainers', pb.Container>(
      h.ListContainers, (r) => ({ filter: r.filter }), (res) => res.containers, (b) => ({ containers: b }), pb.Container, limits),
    StreamContainerStats: derive<'ListContainerStats', 'StreamContainerStats', pb.ContainerStats>(
      h.ListContainerStats, (r) => ({ filter: r.filter }), (res) => res.stats, (b) => ({ containerStats: b }), pb.ContainerStats, limits),
    StreamPodSandboxStats: derive<'ListPodSandboxStats', 'StreamPodSandboxStats', pb.PodSandboxStats>(
      h.ListPodSandboxStats, (r) => ({ filter: r.filter }), (res) => res.stats, (b) => ({ podSandboxStats: b }), pb.PodSandboxStats, limits),
    StreamPodSandboxMetrics: derive<'ListPodSandboxMetrics', 'StreamPodSandboxMetrics', pb.PodSandboxMetrics>(
      h.ListPodSandboxMetrics, () => ({}), (res) => res.podMetrics, (b) => ({ podSandboxMetrics: b }), pb.PodSandboxMetrics, limits),
    StreamImages: derive<'ListImages', 'StreamImages', pb.Image>(
      h.ListImages, (r) => ({ filter: r.filter }), (res) => res.images, (b) => ({ images: b }), pb.Image, limits),
  };
}
