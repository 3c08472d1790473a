// Encoders for the answers the kubelet polls every second (ListContainers,
// ListPodSandbox, ContainerStatus, PodSandboxStatus), built from the kept
// encodings of their parts. A repeated or singular message field is its
// elements' encodings, each behind the field's tag and a length, so an
// element that did not change is not encoded again: its bytes are copied.
//
// The handlers opt in by handing out frozen element objects (src/cri keeps
// one per record and builds a new one when the record changed): frozen is the
// promise that the object never changes, so its encoding is kept as long as
// the object lives (a WeakMap: it goes with the object). Anything not frozen
// is encoded afresh. The bytes are those of the generated encoder, field for
// field and in the same order (test/unit/response-encoders.test.ts).
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import * as pb from './gen/api.js';
import type { MessageFns } from './gen/api.js';
import type { MethodName, ResponseOf } from './method-table.js';

const kept = new WeakMap<object, Uint8Array>();

/** `msg`'s encoding; computed once for a frozen message. */
export function encodedOnce<T extends object>(msg: T, fns: MessageFns<T>): Uint8Array {
  if (!Object.isFrozen(msg)) return fns.encode(msg).finish();
  let bytes = kept.get(msg);
  if (!bytes) {
    bytes = fns.encode(msg).finish();
    kept.set(msg, bytes);
  }
  return bytes;
}

/** A length-delimited message field: tag (field << 3 | 2), length, bytes. */
function field<T extends object>(w: BinaryWriter, fieldNo: number, msg: T, fns: MessageFns<T>): void {
  w.uint32((fieldNo << 3) | 2).bytes(encodedOnce(msg, fns));
}

type Encoder<M extends MethodName> = (res: ResponseOf<M>) => Uint8Array;

const listContainers: Encoder<'ListContainers'> = (res) => {
  const w = new BinaryWriter();
  for (const c of res.containers) field(w, 1, c, pb.Container);
  return w.finish();
};

const listPodSandbox: Encoder<'ListPodSandbox'> = (res) => {
  const w = new BinaryWriter();
  for (const p of res.items) field(w, 1, p, pb.PodSandbox);
  return w.finish();
};

const containerStatus: Encoder<'ContainerStatus'> = (res) => {
  const w = new BinaryWriter();
  if (res.status) field(w, 1, res.status, pb.ContainerStatus);
  // The rest (info, field 2) as the generated encoder writes it.
  pb.ContainerStatusResponse.encode({ ...res, status: undefined }, w);
  return w.finish();
};

const podSandboxStatus: Encoder<'PodSandboxStatus'> = (res) => {
  const w = new BinaryWriter();
  if (res.status) field(w, 1, res.status, pb.PodSandboxStatus);
  // info (field 2) as the generated encoder writes it; then 3 and 4 in order.
  pb.PodSandboxStatusResponse.encode({ ...res, status: undefined, containersStatuses: [], timestamp: 0n }, w);
  for (const c of res.containersStatuses) field(w, 3, c, pb.ContainerStatus);
  if (res.timestamp !== 0n) w.uint32(32).int64(res.timestamp);
  return w.finish();
};

const encoders: { [M in MethodName]?: Encoder<M> } = {
  ListContainers: listContainers,
  ListPodSandbox: listPodSandbox,
  ContainerStatus: containerStatus,
  PodSandboxStatus: podSandboxStatus,
};

/** The kept-parts encoder of a method's response, if it has one. */
export function responseEncoder<M extends MethodName>(method: M): Encoder<M> | undefined {
  return encoders[method] as Encoder<M> | undefined;
}
