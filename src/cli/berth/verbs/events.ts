// berth events: container and pod events as they happen, one line each in
// docker's shape (time, type, action, id, attributes), from the runtime's
// GetContainerEvents stream (the CRI's evented PLEG). A pod event is one whose
// container_id is the pod's own id (what berthd and containerd send).
import { ContainerEventType, type ContainerEventResponse } from '../../../api/gen/api.js';
import { GetContainerEvents } from '../../../api/methods.js';
import { GrpcStatusError } from '../../../client/cri-client.js';
import { UsageError } from '../../common/cli-context.js';
import { exitQuietlyOnClosedPipe } from '../../common/pipe.js';
import { Code } from '../../../util/errors.js';
import { rfc3339Nano } from '../../berthctl/verbs/pod-format.js';
import { str, strs } from '../args.js';
import { VerbError } from '../errors.js';
import type { BerthVerb } from '../verb.js';

export interface BerthEvent {
  time: string;
  type: 'container' | 'pod';
  /** docker's words: create, start, die, destroy (containers); create, start, stop, remove (pods). */
  action: string;
  id: string;
  attributes: Record<string, string>;
}

const CONTAINER_ACTION: Record<ContainerEventType, string> = {
  [ContainerEventType.CONTAINER_CREATED_EVENT]: 'create',
  [ContainerEventType.CONTAINER_STARTED_EVENT]: 'start',
  [ContainerEventType.CONTAINER_STOPPED_EVENT]: 'die',
  [ContainerEventType.CONTAINER_DELETED_EVENT]: 'destroy',
  [ContainerEventType.UNRECOGNIZED]: 'unknown',
};
const POD_ACTION: Record<ContainerEventType, string> = { ...CONTAINER_ACTION, [ContainerEventType.CONTAINER_STOPPED_EVENT]: 'stop', [ContainerEventType.CONTAINER_DELETED_EVENT]: 'remove' };

/** Pure: one CRI event in docker's terms. */
export function toBerthEvent(e: ContainerEventResponse): BerthEvent {
  const pod = e.podSandboxStatus;
  const podName = pod?.metadata ? `${pod.metadata.namespace}/${pod.metadata.name}` : '';
  if (pod && pod.id === e.containerId) {
    return { time: rfc3339Nano(e.createdAt), type: 'pod', action: POD_ACTION[e.containerEventType], id: e.containerId, attributes: { name: podName } };
  }
  const s = e.containersStatuses.find((c) => c.id === e.containerId);
  const attributes: Record<string, string> = {};
  const name = s?.labels['io.berth.name'] ?? s?.metadata?.name;
  if (name) attributes.name = name;
  if (podName) attributes.pod = podName;
  if (s?.image?.image) attributes.image = s.image.image;
  if (e.containerEventType === ContainerEventType.CONTAINER_STOPPED_EVENT && s) {
    attributes.exitCode = String(s.exitCode);
    if (s.reason) attributes.reason = s.reason;
  }
  return { time: rfc3339Nano(e.createdAt), type: 'container', action: CONTAINER_ACTION[e.containerEventType], id: e.containerId, attributes };
}

/** docker's line: `<time> <type> <action> <id> (k=v, …)`. */
export function eventLine(e: BerthEvent): string {
  const attrs = Object.entries(e.attributes).map(([k, v]) => `${k}=${v}`);
  return `${e.time} ${e.type} ${e.action} ${e.id}${attrs.length ? ` (${attrs.join(', ')})` : ''}`;
}

type Filter = (e: BerthEvent) => boolean;

/** docker's rule: values of one key are alternatives, different keys must all match. */
export function parseFilters(specs: readonly string[]): Filter {
  const byKey = new Map<string, string[]>();
  for (const spec of specs) {
    const i = spec.indexOf('=');
    const key = i > 0 ? spec.slice(0, i) : '';
    if (!['type', 'event', 'container', 'pod'].includes(key) || i === spec.length - 1) {
      throw new UsageError(`events: bad --filter "${spec}": use type=container|pod, event=ACTION, container=NAME|ID, pod=NAMESPACE/NAME|NAME|ID`);
    }
    byKey.set(key, [...(byKey.get(key) ?? []), spec.slice(i + 1)]);
  }
  const tests: Filter[] = [...byKey].map(([key, values]) => (e) =>
    values.some((v) => {
      if (key === 'type') return e.type === v;
      if (key === 'event') return e.action === v;
      const pod = e.type === 'pod' ? e.attributes.name : e.attributes.pod;
      if (key === 'pod') return pod === v || pod?.endsWith(`/${v}`) === true || (e.type === 'pod' && e.id.startsWith(v));
      return e.type === 'container' && (e.attributes.name === v || e.id.startsWith(v));
    }),
  );
  return (e) => tests.every((t) => t(e));
}

export const verb: BerthVerb = {
  synopsis: 'events [OPTIONS]',
  description: `Print container and pod events as they happen, until interrupted: created, started, died (with exit code and reason) and destroyed containers; created, started, stopped and removed pods.

Events come from the runtime's GetContainerEvents stream, so only what happens while berth events runs is shown. Filters of one key are alternatives; different keys must all match.`,
  flags: [
    { name: 'filter', short: 'f', kind: 'strings', value: 'filter', help: 'type=container|pod, event=create|start|die|destroy|stop|remove, container=NAME|ID, pod=NAMESPACE/NAME|NAME|ID (repeatable)', complete: 'none' },
    { name: 'format', kind: 'string', value: 'string', help: 'json: one JSON object per line', complete: ['json'] },
  ],
  positional: [],
  examples: ['berth events', 'berth events --filter type=container --filter event=die', 'berth events --format json'],
  async run(ctx, p) {
    if (p.args.length) throw new UsageError(`events: unexpected arguments ${p.args.join(' ')}`);
    const format = str(p.flags, 'format');
    if (format !== undefined && format !== 'json') throw new UsageError(`events: --format must be json, not "${format}"`);
    const keep = parseFilters(strs(p.flags, 'filter'));
    exitQuietlyOnClosedPipe();
    try {
      await ctx.runtime.stream(
        GetContainerEvents,
        {},
        (raw) => {
          const e = toBerthEvent(raw);
          if (keep(e)) ctx.print(format === 'json' ? JSON.stringify(e) : eventLine(e));
        },
        {}, // no deadline: the stream lasts until interrupted
      );
    } catch (e) {
      if (e instanceof GrpcStatusError && e.grpcCode === Code.Unimplemented) throw new VerbError('this runtime does not stream events (GetContainerEvents is not implemented)');
      throw e;
    }
  },
};
