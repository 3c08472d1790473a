// Finding a container from what the user typed: a berth name first (as
// docker does), then a full ID or a unique ID prefix among every container
// of the runtime (so Kubernetes containers can be looked at too).
import { type Container } from '../../api/gen/api.js';
import { ListContainers, ListPodSandbox } from '../../api/methods.js';
import type { CliContext } from '../common/cli-context.js';
import { VerbError } from './errors.js';
import { BERTH_SELECTOR, CLI_LABEL, CLI_VALUE, NAME_LABEL } from './labels.js';

export function isBerth(c: { labels: Record<string, string> }): boolean {
  return c.labels[CLI_LABEL] === CLI_VALUE;
}

/** The name shown for a container: berth's name, else namespace/pod/container as the kubelet labels them. */
export function displayName(c: Container): string {
  const name = c.labels[NAME_LABEL];
  if (name && isBerth(c)) return name;
  const ns = c.labels['io.kubernetes.pod.namespace'];
  const pod = c.labels['io.kubernetes.pod.name'];
  const ctr = c.metadata?.name ?? '';
  return ns && pod ? `${ns}/${pod}/${ctr}` : ctr;
}

function newest(a: Container, b: Container): number {
  return a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0;
}

/** The berth container called `name` (the newest, should a restart leave two for a moment). */
export async function findByName(ctx: CliContext, name: string): Promise<Container | undefined> {
  const { containers } = await ctx.runtime.call(ListContainers, { filter: { labelSelector: { ...BERTH_SELECTOR, [NAME_LABEL]: name } } });
  return containers.sort(newest)[0];
}

/** The container a name or ID (prefix) names, or undefined when none does; an ambiguous prefix is an error. */
export async function lookupContainer(ctx: CliContext, ref: string): Promise<Container | undefined> {
  if (!ref) throw new VerbError('a container name or ID is required');
  const byName = await findByName(ctx, ref);
  if (byName) return byName;
  if (/^[0-9a-f]+$/.test(ref)) {
    const { containers } = await ctx.runtime.call(ListContainers, { filter: { id: ref } });
    const exact = containers.find((c) => c.id === ref);
    if (exact) return exact;
    const matches = containers.filter((c) => c.id.startsWith(ref));
    if (matches.length === 1) return matches[0] as Container;
    if (matches.length > 1) throw new VerbError(`container ID prefix "${ref}" is ambiguous (${matches.length} containers); give more of the ID`);
  }
  const all = (await ctx.runtime.call(ListContainers, {})).containers;
  return all.filter((c) => displayName(c) === ref).sort(newest)[0];
}

export async function findContainer(ctx: CliContext, ref: string): Promise<Container> {
  const c = await lookupContainer(ctx, ref);
  if (c) return c;
  throw new VerbError(`no such container: ${ref} ('berth ps -a' lists berth's, 'berth list' every container)`);
}

/** Pod names by pod ID, for showing where a container lives. */
export async function podsById(ctx: CliContext): Promise<Map<string, { name: string; namespace: string }>> {
  const { items } = await ctx.runtime.call(ListPodSandbox, {});
  return new Map(items.map((p) => [p.id, { name: p.metadata?.name ?? '', namespace: p.metadata?.namespace ?? '' }]));
}
