// berthctl pods: crictl's pod listing — table (POD ID CREATED STATE NAME
// NAMESPACE ATTEMPT RUNTIME), -q ids, -v details, -o json|yaml; filters by
// id, state and labels on the runtime side, name/namespace regexps here;
// newest first, --latest / --last N.
import { PodSandboxState, type PodSandbox } from '../../../api/gen/api.js';
import { ListPodSandbox } from '../../../api/methods.js';
import { UsageError, type CliContext, type Verb } from '../../common/cli-context.js';
import { printObject } from '../../common/print.js';
import { parseFlags, type FlagValues } from './flags.js';
import { table } from './image-format.js';
import { goTimeString, humanDuration, podSandboxJson, podStateWord, sortedEntries } from './pod-format.js';

export const LIST_FLAGS = {
  id: { kind: 'string' },
  name: { kind: 'string' },
  namespace: { kind: 'string' },
  state: { kind: 'string', short: 's' },
  label: { kind: 'strings' },
  latest: { kind: 'bool', short: 'l' },
  last: { kind: 'int', short: 'n' },
} as const;

/** The pods matching crictl's list flags, newest first. */
export async function listPods(ctx: CliContext, verbName: string, flags: FlagValues): Promise<PodSandbox[]> {
  const state = flags.state as string | undefined;
  let stateFilter: PodSandboxState | undefined;
  if (state !== undefined) {
    const s = state.toLowerCase();
    if (s === 'ready') stateFilter = PodSandboxState.SANDBOX_READY;
    else if (s === 'notready') stateFilter = PodSandboxState.SANDBOX_NOTREADY;
    else throw new UsageError(`${verbName}: --state should be ready or notready`);
  }
  const labelSelector: Record<string, string> = {};
  for (const l of (flags.label as string[] | undefined) ?? []) {
    const pair = l.split('=');
    if (pair.length !== 2) throw new UsageError(`${verbName}: incorrectly specified label: ${l}`);
    labelSelector[pair[0] as string] = pair[1] as string;
  }
  const res = await ctx.runtime.call(ListPodSandbox, {
    filter: { id: (flags.id as string | undefined) ?? '', state: stateFilter === undefined ? undefined : { state: stateFilter }, labelSelector },
  });
  const nameRe = regexp(flags.name as string | undefined);
  const nsRe = regexp(flags.namespace as string | undefined);
  const pods = res.items
    .filter((p) => p.metadata && nameRe.test(p.metadata.name) && nsRe.test(p.metadata.namespace))
    .sort((a, b) => (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0));
  let n = pods.length;
  if (flags.latest) n = 1;
  if (typeof flags.last === 'number' && flags.last > 0) n = flags.last;
  return pods.slice(0, Math.min(n, pods.length));
}

function regexp(pattern: string | undefined): RegExp {
  if (!pattern) return /(?:)/;
  try {
    return new RegExp(pattern);
  } catch {
    return /(?!)/; // crictl: an invalid pattern matches nothing
  }
}

export const verb: Verb = {
  summary: 'List pods',
  usage: `Usage: berthctl pods [command options]

Options:
  --id value                filter by pod id
  --label value             Filter by key=value label (may be repeated)
  --last value, -n value    Show last n recently created pods. Set 0 for unlimited (default: 0)
  --latest, -l              Show the most recently created pod
  --name value              Filter by pod name regular expression pattern
  --namespace value         Filter by pod namespace regular expression pattern
  --no-trunc                Show output without truncating the ID
  --output value, -o value  Output format, One of: json|yaml|table (default: "table")
  --quiet, -q               List only pod IDs
  --state value, -s value   Filter by pod state
  --verbose, -v             Show verbose info for pods`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('pods', args, {
      ...LIST_FLAGS,
      verbose: { kind: 'bool', short: 'v' },
      quiet: { kind: 'bool', short: 'q' },
      output: { kind: 'string', short: 'o' },
      'no-trunc': { kind: 'bool' },
    });
    if (positional.length) throw new UsageError(`pods: unexpected arguments ${positional.join(' ')}`);
    const output = (flags.output as string | undefined) ?? 'table';
    if (!['json', 'yaml', 'table'].includes(output)) throw new UsageError(`pods: unsupported output format "${output}"`);
    const pods = await listPods(ctx, 'pods', flags);
    if (output !== 'table') {
      printObject(ctx, { items: pods.map(podSandboxJson) }, output as 'json' | 'yaml');
      return;
    }
    if (flags.quiet) {
      if (pods.length) ctx.print(pods.map((p) => p.id).join('\n'));
      return;
    }
    if (flags.verbose) {
      ctx.print(pods.map(verboseText).join(''));
      return;
    }
    const now = Date.now();
    const rows = [['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT', 'RUNTIME']];
    for (const p of pods) {
      rows.push([
        flags['no-trunc'] ? p.id : p.id.slice(0, 13),
        `${humanDuration(now - Number(p.createdAt / 1_000_000n))} ago`,
        podStateWord(p.state),
        p.metadata?.name ?? '',
        p.metadata?.namespace ?? '',
        String(p.metadata?.attempt ?? 0),
        p.runtimeHandler || '(default)',
      ]);
    }
    ctx.print(table(rows));
  },
};

function verboseText(p: PodSandbox): string {
  const lines = [`ID: ${p.id}`];
  if (p.metadata?.name) lines.push(`Name: ${p.metadata.name}`);
  if (p.metadata?.uid) lines.push(`UID: ${p.metadata.uid}`);
  if (p.metadata?.namespace) lines.push(`Namespace: ${p.metadata.namespace}`);
  if (p.metadata?.attempt) lines.push(`Attempt: ${p.metadata.attempt}`);
  lines.push(`Status: ${podStateWord(p.state)}`, `Created: ${goTimeString(p.createdAt)}`);
  lines.push('Labels:', ...sortedEntries(p.labels).map(([k, v]) => `\t${k} -> ${v}`));
  lines.push('Annotations:', ...sortedEntries(p.annotations).map(([k, v]) => `\t${k} -> ${v}`));
  lines.push(`Runtime: ${p.runtimeHandler || '(default)'}`, '');
  return `${lines.join('\n')}\n`;
}
