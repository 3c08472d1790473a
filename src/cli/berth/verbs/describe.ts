// berth describe <container|pod|image>: everything the runtime knows about
// one thing, as readable sections (kubectl describe's spirit). A name is
// looked up as a container, then a pod, then an image.
import { ContainerState, NamespaceMode, PodSandboxState } from '../../../api/gen/api.js';
import { ContainerStatus, ImageStatus, ListContainers, ListPodSandbox, PodSandboxStatus } from '../../../api/methods.js';
import type { TimelineEntry } from '../../../observe/timeline.js';
import { renderTimeline } from '../../../observe/timeline-render.js';
import { UsageError, type CliContext } from '../../common/cli-context.js';
import { containerStateWord } from '../../berthctl/verbs/container-format.js';
import { rfc3339Nano } from '../../berthctl/verbs/pod-format.js';
import { commandOf, imageOf, viewOf } from '../container-view.js';
import { ago, humanSize, portsText, statusText } from '../docker-format.js';
import { VerbError } from '../errors.js';
import { cpusetText, cpuText, limitsOf, memoryText } from '../limits.js';
import { displayName, lookupContainer } from '../resolve.js';
import type { BerthVerb } from '../verb.js';

/** "Key:  value" lines, keys padded to one column; nested maps indented. */
export function section(title: string, pairs: readonly [string, string | readonly string[]][]): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length)) + 2;
  const lines = [title];
  for (const [k, v] of pairs) {
    if (Array.isArray(v)) {
      lines.push(`  ${k}:${v.length ? '' : ' <none>'}`);
      for (const item of v) lines.push(`    ${item}`);
    } else lines.push(`  ${`${k}:`.padEnd(w)}${v as string}`);
  }
  return lines.join('\n');
}

function mapLines(m: Record<string, string>): string[] {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${m[k] as string}`);
}

/** What berthd keeps of a pod's or container's history (verbose info "timeline"); [] from other runtimes. */
async function timelineOf(ctx: CliContext, kind: 'pod' | 'container', id: string): Promise<TimelineEntry[]> {
  const res = kind === 'pod' ? await ctx.runtime.call(PodSandboxStatus, { podSandboxId: id, verbose: true }) : await ctx.runtime.call(ContainerStatus, { containerId: id, verbose: true });
  try {
    return JSON.parse(res.info.timeline ?? '[]') as TimelineEntry[];
  } catch {
    return [];
  }
}

interface Described {
  kind: 'container' | 'pod' | 'image';
  id: string;
  text: string;
}

async function describeContainer(ctx: CliContext, ref: string): Promise<Described | undefined> {
  const c = await lookupContainer(ctx, ref);
  if (!c) return undefined;
  const v = await viewOf(ctx, c);
  const s = v.status;
  const now = Date.now();
  const l = limitsOf(s?.resources?.linux);
  const pod = (await ctx.runtime.call(PodSandboxStatus, { podSandboxId: c.podSandboxId }).catch(() => undefined))?.status;
  const parts = [
    section('Container', [
      ['Name', displayName(c)],
      ['ID', c.id],
      ['Image', `${imageOf(c)} (${s?.imageRef || c.imageRef})`],
      ['Command', JSON.stringify(commandOf(v))],
      ['State', `${containerStateWord(c.state)} — ${s ? statusText(s, now) : '?'}`],
      ['Created', `${rfc3339Nano(c.createdAt)} (${ago(c.createdAt, now)})`],
      ...(s && s.state !== ContainerState.CONTAINER_CREATED ? ([['Started', rfc3339Nano(s.startedAt)]] as [string, string][]) : []),
      ...(s && s.state === ContainerState.CONTAINER_EXITED ? ([['Finished', `${rfc3339Nano(s.finishedAt)}, exit code ${s.exitCode}${s.reason ? `, ${s.reason}` : ''}`]] as [string, string][]) : []),
      ['Attempt', String(c.metadata?.attempt ?? 0)],
      ['PID', v.pid ? String(v.pid) : '-'],
      ['Log', s?.logPath || '-'],
    ]),
    section('Pod', [
      ['Name', `${pod?.metadata?.namespace ?? '?'}/${pod?.metadata?.name ?? '?'}`],
      ['ID', c.podSandboxId],
      ['State', pod?.state === PodSandboxState.SANDBOX_READY ? 'Ready' : 'NotReady'],
      ['IP', pod?.network?.ip || '-'],
      ['Ports', v.options ? portsText(v.options.ports) || '-' : 'unknown (not a berth pod)'],
    ]),
    section('Limits', [
      ['CPU', cpuText(l) + (l.cpuQuota > 0 ? ` (quota ${l.cpuQuota}/${l.cpuPeriod || 100_000}µs)` : '')],
      ['CPU shares', l.cpuShares ? String(l.cpuShares) : 'default'],
      ['CPU set', cpusetText(l)],
      ['Memory', memoryText(l)],
    ]),
    section('Process', [
      ['User', s?.user?.linux ? `${s.user.linux.uid}:${s.user.linux.gid}` : '-'],
      ['Workdir', v.process?.cwd ?? v.options?.workdir ?? '-'],
      ['Tty', String(v.process?.terminal ?? v.options?.tty ?? false)],
      ['Environment', v.process?.env ?? v.options?.env.map((e) => `${e.key}=${e.value}`) ?? []],
      ['Mounts', (s?.mounts ?? []).map((m) => `${m.hostPath} -> ${m.containerPath}${m.readonly ? ' (ro)' : ''}`)],
    ]),
    section('Metadata', [
      ['Labels', mapLines(c.labels)],
      ['Annotations', mapLines(Object.fromEntries(Object.entries(c.annotations).filter(([k]) => k !== 'io.berth.run-options')))],
    ]),
    renderTimeline(await timelineOf(ctx, 'container', c.id)),
  ];
  return { kind: 'container', id: c.id, text: parts.join('\n\n') };
}

async function describePod(ctx: CliContext, ref: string): Promise<Described | undefined> {
  const { items } = await ctx.runtime.call(ListPodSandbox, {});
  const pod = items.find((p) => p.id === ref || p.metadata?.name === ref || `${p.metadata?.namespace}/${p.metadata?.name}` === ref) ?? (/^[0-9a-f]{3,}$/.test(ref) ? items.filter((p) => p.id.startsWith(ref)) : []).at(0);
  if (!pod) return undefined;
  const s = (await ctx.runtime.call(PodSandboxStatus, { podSandboxId: pod.id })).status;
  const { containers } = await ctx.runtime.call(ListContainers, { filter: { podSandboxId: pod.id } });
  const ns = s?.linux?.namespaces?.options;
  const mode = (m: NamespaceMode | undefined): string => (m === NamespaceMode.NODE ? 'node' : m === NamespaceMode.CONTAINER ? 'container' : 'pod');
  const now = Date.now();
  const text = [
    section('Pod', [
      ['Name', `${pod.metadata?.namespace}/${pod.metadata?.name}`],
      ['ID', pod.id],
      ['UID', pod.metadata?.uid ?? ''],
      ['State', pod.state === PodSandboxState.SANDBOX_READY ? 'Ready' : 'NotReady'],
      ['Created', `${rfc3339Nano(pod.createdAt)} (${ago(pod.createdAt, now)})`],
      ['IP', [s?.network?.ip, ...(s?.network?.additionalIps ?? []).map((i) => i.ip)].filter(Boolean).join(', ') || '-'],
      ['Namespaces', `network=${mode(ns?.network)} pid=${mode(ns?.pid)} ipc=${mode(ns?.ipc)}`],
      ['Runtime handler', pod.runtimeHandler || 'default'],
    ]),
    section('Metadata', [
      ['Containers', containers.map((c) => `${displayName(c)}  ${c.id.slice(0, 12)}  ${containerStateWord(c.state)}  ${imageOf(c)}`)],
      ['Labels', mapLines(pod.labels)],
      ['Annotations', mapLines(pod.annotations)],
    ]),
    renderTimeline(await timelineOf(ctx, 'pod', pod.id)),
  ].join('\n\n');
  return { kind: 'pod', id: pod.id, text };
}

async function describeImage(ctx: CliContext, ref: string): Promise<Described | undefined> {
  const img = (await ctx.image.call(ImageStatus, { image: { image: ref } })).image;
  if (!img) return undefined;
  const { containers } = await ctx.runtime.call(ListContainers, {});
  const users = containers.filter((c) => c.imageRef === img.id || c.imageId === img.id);
  const text = section('Image', [
    ['ID', img.id],
    ['Tags', img.repoTags],
    ['Digests', img.repoDigests],
    ['Size', `${humanSize(Number(img.size))} (${img.size} bytes)`],
    ['User', img.uid ? String(img.uid.value) : img.username || '-'],
    ['Pinned', String(img.pinned)],
    ['Used by', users.map((c) => `${displayName(c)} (${c.id.slice(0, 12)})`)],
  ]);
  return { kind: 'image', id: img.id, text };
}

export const verb: BerthVerb = {
  synopsis: 'describe CONTAINER|POD|IMAGE',
  description: `Show everything the runtime knows about one container, pod or image, in readable sections: for a container its image, command, state and times, pod and ports, limits, user, environment, mounts, labels and annotations; for a pod its state, IPs, namespaces and containers; for an image its tags, digests, size and the containers that use it. Pods and containers end with their timeline (berthd): each start with a bar per phase on the start's own time scale, failed attempts with the failing layer and the tool's message, restarts and exits with code and reason, pulls made for the pod. A name is looked up as a container, then as a pod (name, namespace/name or ID prefix), then as an image.`,
  flags: [{ name: 'output', short: 'o', kind: 'string', value: 'format', help: 'json: the timeline of the pod or container as JSON (for scripts)', complete: ['json'] }],
  positional: ['container'],
  examples: ['berth describe web', 'berth describe kube-system/coredns-5d78c9869d-abcde', 'berth describe busybox', 'berth describe -o json web'],
  async run(ctx, p) {
    if (p.args.length !== 1) throw new UsageError("describe: exactly one CONTAINER, POD or IMAGE is required; see 'berth describe --help'");
    const output = p.flags.output;
    if (output !== undefined && output !== 'json') throw new UsageError(`describe: --output must be json, not "${String(output)}"`);
    const ref = p.args[0] as string;
    const found = (await describeContainer(ctx, ref)) ?? (await describePod(ctx, ref)) ?? (await describeImage(ctx, ref));
    if (found === undefined) throw new VerbError(`no container, pod or image called "${ref}" ('berth list' and 'berth images' list them)`);
    if (output === 'json') {
      const timeline = found.kind === 'image' ? [] : await timelineOf(ctx, found.kind, found.id);
      ctx.print(JSON.stringify({ kind: found.kind, id: found.id, timeline }, null, 2));
      return;
    }
    ctx.print(found.text);
  },
};
