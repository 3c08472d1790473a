// berthctl inspectp [POD-ID...]: the pods' status (verbose unless -q) as
// crictl prints it: {"status": …, "info": …} for one pod, a list for several;
// without ids, the pods matching crictl's list flags.
import { PodSandboxStatus } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { printObject } from '../../common/print.js';
import { parseFlags } from './flags.js';
import { decodeInfo, goTimeString, podStateWord, podStatusJson, sortedEntries } from './pod-format.js';
import { LIST_FLAGS, listPods } from './pods.js';

export const verb: Verb = {
  summary: 'Display the status of one or more pods',
  usage: `Usage: berthctl inspectp [command options] POD-ID [POD-ID...]

Options:
  --label value             Filter by key=value label (may be repeated)
  --last value, -n value    Show last n recently created pods. Set 0 for unlimited (default: 0)
  --latest, -l              Show the most recently created pod
  --name value              Filter by pod name regular expression pattern
  --namespace value         Filter by pod namespace regular expression pattern
  --output value, -o value  Output format, One of: json|yaml|go-template|table
  --quiet, -q               Do not show verbose information
  --state value, -s value   Filter by pod state`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('inspectp', args, {
      ...LIST_FLAGS,
      output: { kind: 'string', short: 'o' },
      quiet: { kind: 'bool', short: 'q' },
      template: { kind: 'string' },
    });
    const output = (flags.output as string | undefined) || 'json';
    if (!['json', 'yaml', 'table'].includes(output)) throw new UsageError(`inspectp: unsupported output format "${output}" (json, yaml or table)`);
    let ids = positional;
    if (ids.length === 0) ids = (await listPods(ctx, 'inspectp', flags)).map((p) => p.id);
    if (ids.length === 0) throw new UsageError('inspectp: no IDs provided or nothing found per filter');
    const verbose = !flags.quiet;
    const results: Record<string, unknown>[] = [];
    const text: string[] = [];
    for (const id of ids) {
      let r;
      try {
        r = await ctx.runtime.call(PodSandboxStatus, { podSandboxId: id, verbose });
      } catch (e) {
        throw new Error(`get the status of pod sandboxes: get pod sandbox status: ${(e as Error).message}`);
      }
      const s = r.status;
      if (!s) throw new Error(`inspectp: runtime returned no status for ${id}`);
      if (output === 'table') {
        const lines = [`ID: ${s.id}`];
        if (s.metadata?.name) lines.push(`Name: ${s.metadata.name}`);
        if (s.metadata?.uid) lines.push(`UID: ${s.metadata.uid}`);
        if (s.metadata?.namespace) lines.push(`Namespace: ${s.metadata.namespace}`);
        lines.push(`Attempt: ${s.metadata?.attempt ?? 0}`, `Status: ${podStateWord(s.state)}`, `Created: ${goTimeString(s.createdAt)}`);
        if (s.network) lines.push(`IP Addresses: ${s.network.ip}`, ...s.network.additionalIps.map((i) => `Additional IP: ${i.ip}`));
        lines.push('Labels:', ...sortedEntries(s.labels).map(([k, v]) => `\t${k} -> ${v}`));
        lines.push('Annotations:', ...sortedEntries(s.annotations).map(([k, v]) => `\t${k} -> ${v}`));
        if (verbose) lines.push(`Info: ${JSON.stringify(r.info)}`);
        text.push(lines.join('\n'));
      } else results.push({ status: podStatusJson(s), ...(verbose ? { info: decodeInfo(r.info) } : {}) });
    }
    if (output === 'table') ctx.print(text.join('\n'));
    else printObject(ctx, results.length === 1 ? results[0] : results, output as 'json' | 'yaml');
  },
};
