// berthctl inspect [ID...]: the containers' status as crictl prints it —
// {"info": …, "status": …} (info decoded from its JSON, times RFC 3339,
// keys sorted), a list for several; -o yaml|table|go-template; without IDs
// the containers matching crictl's list flags.
import { ContainerStatus } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { renderTemplate, validateTemplate } from '../../common/go-template.js';
import { toJson, toYaml } from '../../common/output.js';
import { inspectDocument, inspectTable } from './container-format.js';
import { CONTAINER_LIST_FLAGS, LIST_FLAGS_HELP, listContainers, resolveContainerId } from './container-list.js';
import { parseFlags } from './flags.js';

export const verb: Verb = {
  summary: 'Display the status of one or more containers',
  usage: `Usage: berthctl inspect [command options] CONTAINER-ID [CONTAINER-ID...]

Without IDs, inspects the containers the filter flags select.

Options:
  --output value, -o value  Output format, One of: json|yaml|go-template|table (default: "json")
  --quiet, -q               Do not show verbose information
  --template value          The template string is only used when output is go-template; The Template format is golang template
${LIST_FLAGS_HELP}`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('inspect', args, {
      ...CONTAINER_LIST_FLAGS,
      output: { kind: 'string', short: 'o' },
      quiet: { kind: 'bool', short: 'q' },
      template: { kind: 'string' },
    });
    const output = (flags.output as string | undefined) || 'json';
    if (!['json', 'yaml', 'table', 'go-template'].includes(output)) throw new UsageError(`get the status of containers: unsupported format: "${output}"`);
    const template = (flags.template as string | undefined) ?? '';
    if (output === 'go-template') validateTemplate(template);
    let ids = positional;
    if (ids.length === 0) ids = (await listContainers(ctx, flags)).map((c) => c.id);
    if (ids.length === 0) throw new UsageError('No IDs provided or nothing found per filter');
    const verbose = !flags.quiet;
    const docs: unknown[] = [];
    const nowMs = Date.now();
    for (const id of ids) {
      let r;
      try {
        r = await ctx.runtime.call(ContainerStatus, { containerId: await resolveContainerId(ctx, id), verbose });
      } catch (e) {
        throw new Error(`get the status of containers: get container status: ${(e as Error).message}`);
      }
      if (!r.status) throw new Error(`get the status of containers: the runtime returned no status for "${id}"`);
      if (output === 'table') ctx.print(inspectTable(r.status, r.info, verbose, nowMs));
      else docs.push(inspectDocument(r.status, r.info, verbose));
    }
    if (output === 'table') return;
    const doc = docs.length === 1 ? docs[0] : docs;
    if (output === 'json') ctx.print(toJson(doc));
    else if (output === 'yaml') ctx.print(toYaml(doc));
    else ctx.out(`${renderTemplate(template, doc)}\n`); // Println, as crictl
  },
};
