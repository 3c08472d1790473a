// berthctl ps: crictl's container listing — table (CONTAINER IMAGE CREATED
// STATE NAME ATTEMPT POD ID POD NAMESPACE), -q ids, -v details, -o json|yaml;
// running containers unless -a / --state / --latest / --last.
import { ImageStatus } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { printObject } from '../../common/print.js';
import { CONTAINER_ENUMS, protoJson, psTable, psVerbose, sortKeysDeep } from './container-format.js';
import { CONTAINER_LIST_FLAGS, LIST_FLAGS_HELP, listContainers } from './container-list.js';
import { parseFlags } from './flags.js';
import { table } from './image-format.js';

export const verb: Verb = {
  summary: 'List containers',
  usage: `Usage: berthctl ps [command options]

Options:
${LIST_FLAGS_HELP}
  --no-trunc                Show output without truncating the ID
  --output value, -o value  Output format, One of: json|yaml|table (default: "table")
  --quiet, -q               Only display container IDs
  --resolve-image-path, -r  Show image path instead of image id
  --verbose, -v             Show verbose information for containers`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('ps', args, {
      ...CONTAINER_LIST_FLAGS,
      verbose: { kind: 'bool', short: 'v' },
      quiet: { kind: 'bool', short: 'q' },
      output: { kind: 'string', short: 'o' },
      'no-trunc': { kind: 'bool' },
      'resolve-image-path': { kind: 'bool', short: 'r' },
    });
    if (positional.length) throw new UsageError(`ps: unexpected arguments ${positional.join(' ')}`);
    const output = (flags.output as string | undefined) ?? 'table';
    if (!['json', 'yaml', 'table'].includes(output)) throw new UsageError(`listing containers: unsupported output format "${output}"`);
    const containers = await listContainers(ctx, flags);
    if (output !== 'table') {
      const doc = { containers: containers.map((c) => protoJson(c, CONTAINER_ENUMS)) };
      // crictl's YAML goes through Go maps: keys sorted.
      printObject(ctx, output === 'yaml' ? sortKeysDeep(doc) : doc, output as 'json' | 'yaml');
      return;
    }
    if (flags.quiet) {
      if (containers.length) ctx.print(containers.map((c) => c.id).join('\n'));
      return;
    }
    const nowMs = Date.now();
    if (flags.verbose) {
      if (containers.length) ctx.print(containers.map((c) => psVerbose(c, nowMs)).join(''));
      return;
    }
    let imageNames: Map<string, string> | undefined;
    if (flags['resolve-image-path']) {
      imageNames = new Map();
      for (const ref of new Set(containers.map((c) => c.image?.image ?? ''))) {
        const img = (await ctx.image.call(ImageStatus, { image: { image: ref }, verbose: false })).image;
        imageNames.set(ref, img?.repoTags[0] ?? ref);
      }
    }
    ctx.print(table(psTable(containers, { noTrunc: flags['no-trunc'] === true, nowMs, imageNames })));
  },
};
