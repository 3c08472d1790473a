// Finding containers as crictl does: the list flags (state, pod, labels on
// the runtime side; name/namespace regexps and image here; newest first,
// --latest / --last N) and ID prefixes resolved through ListContainers'
// id filter, which every CRI runtime matches by prefix.
import { ContainerState, type Container } from '../../../api/gen/api.js';
import { ImageStatus, ListContainers, ListPodSandbox } from '../../../api/methods.js';
import { UsageError, type CliContext } from '../../common/cli-context.js';
import type { FlagSpec, FlagValues } from './flags.js';

export const CONTAINER_LIST_FLAGS: Record<string, FlagSpec> = {
  id: { kind: 'string' },
  pod: { kind: 'string', short: 'p' },
  name: { kind: 'string' },
  namespace: { kind: 'string' },
  image: { kind: 'string' },
  state: { kind: 'string', short: 's' },
  label: { kind: 'strings' },
  all: { kind: 'bool', short: 'a' },
  latest: { kind: 'bool', short: 'l' },
  last: { kind: 'int', short: 'n' },
};

export const LIST_FLAGS_HELP = `  --all, -a                 Show all containers
  --id value                Filter by container id
  --image value             Filter by container image
  --label value             Filter by key=value label (may be repeated)
  --last value, -n value    Show last n recently created containers (includes all states). Set 0 for unlimited. (default: 0)
  --latest, -l              Show the most recently created container (includes all states)
  --name value              Filter by container name regular expression pattern
  --namespace value         Filter by pod namespace regular expression pattern
  --pod value, -p value     Filter by pod id
  --state value, -s value   Filter by container state`;

const STATES: Record<string, ContainerState> = {
  created: ContainerState.CONTAINER_CREATED,
  running: ContainerState.CONTAINER_RUNNING,
  exited: ContainerState.CONTAINER_EXITED,
  unknown: ContainerState.CONTAINER_UNKNOWN,
};

export function parseLabels(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list ?? []) {
    const pair = l.split('=');
    if (pair.length !== 2) throw new UsageError(`incorrectly specified label: ${l}`);
    out[pair[0] as string] = pair[1] as string;
  }
  return out;
}

/** The containers matching crictl's list flags, newest first. Without -a/--state/--latest/--last only running ones. */
export async function listContainers(ctx: CliContext, flags: FlagValues): Promise<Container[]> {
  const stateText = flags.state as string | undefined;
  let state: ContainerState | undefined = flags.all ? undefined : ContainerState.CONTAINER_RUNNING;
  if (stateText) {
    state = STATES[stateText.toLowerCase()];
    if (state === undefined) throw new UsageError('--state should be one of created, running, exited or unknown');
  }
  const last = typeof flags.last === 'number' ? flags.last : 0;
  if (flags.latest || last > 0) state = undefined; // crictl: latest/last look at every state
  const nameRe = regexp(flags.name as string | undefined);
  const nsRe = regexp(flags.namespace as string | undefined);
  const res = await ctx.runtime.call(ListContainers, {
    filter: {
      id: (flags.id as string | undefined) ?? '',
      podSandboxId: (flags.pod as string | undefined) ?? '',
      state: state === undefined ? undefined : { state },
      labelSelector: parseLabels(flags.label as string[] | undefined),
    },
  });
  let items = res.containers.filter((c) => c.metadata && nameRe.test(c.metadata.name) && nsRe.test(c.labels['io.kubernetes.pod.namespace'] ?? 'unknown'));
  const image = flags.image as string | undefined;
  if (image) items = await filterByImage(ctx, items, image);
  items.sort((a, b) => (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0));
  let n = items.length;
  if (flags.latest) n = 1;
  if (last > 0) n = last;
  return items.slice(0, Math.min(n, items.length));
}

/** crictl compares image ids: the filter's image and each container's, both resolved by ImageStatus. */
async function filterByImage(ctx: CliContext, items: Container[], image: string): Promise<Container[]> {
  const ids = new Map<string, Promise<string | undefined>>();
  const idOf = (ref: string): Promise<string | undefined> => {
    let p = ids.get(ref);
    if (!p) {
      p = ctx.image.call(ImageStatus, { image: { image: ref }, verbose: false }).then((r) => r.image?.id);
      ids.set(ref, p);
    }
    return p;
  };
  const want = await idOf(image);
  if (want === undefined) return [];
  const keep = await Promise.all(items.map(async (c) => (await idOf(c.image?.image ?? '')) === want));
  return items.filter((_c, i) => keep[i]);
}

function regexp(pattern: string | undefined): RegExp {
  if (!pattern) return /(?:)/;
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new UsageError(`invalid regular expression "${pattern}": ${(e as Error).message}`);
  }
}

/** A full container id from an id or a unique prefix; one clear error otherwise. */
export async function resolveContainerId(ctx: CliContext, idOrPrefix: string): Promise<string> {
  if (!idOrPrefix) throw new UsageError('ID cannot be empty');
  const { containers } = await ctx.runtime.call(ListContainers, { filter: { id: idOrPrefix } });
  const exact = containers.find((c) => c.id === idOrPrefix);
  if (exact) return exact.id;
  const matches = containers.filter((c) => c.id.startsWith(idOrPrefix));
  if (matches.length === 1) return (matches[0] as Container).id;
  if (matches.length > 1) throw new Error(`container ID prefix "${idOrPrefix}" is ambiguous: it matches ${matches.length} containers; give more of the ID`);
  throw new Error(`no such container "${idOrPrefix}" (berthctl ps -a lists the containers)`);
}

/** A full pod id from an id or a unique prefix. */
export async function resolvePodId(ctx: CliContext, idOrPrefix: string): Promise<string> {
  if (!idOrPrefix) throw new UsageError('pod ID cannot be empty');
  const { items } = await ctx.runtime.call(ListPodSandbox, { filter: { id: idOrPrefix } });
  const matches = items.filter((p) => p.id.startsWith(idOrPrefix));
  if (matches.length === 1 || matches.some((p) => p.id === idOrPrefix)) return matches.find((p) => p.id === idOrPrefix)?.id ?? (matches[0] as { id: string }).id;
  if (matches.length > 1) throw new Error(`pod ID prefix "${idOrPrefix}" is ambiguous: it matches ${matches.length} pods; give more of the ID`);
  throw new Error(`no such pod "${idOrPrefix}" (berthctl pods lists the pods)`);
}
