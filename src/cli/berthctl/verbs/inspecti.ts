// berthctl inspecti IMAGE...: crictl's image status — {"status": …,
// "info": …} per image, the verbose info decoded from its JSON.
import { Image } from '../../../api/gen/api.js';
import { ImageStatus } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseOutputFlag, printObject } from '../../common/print.js';

export const verb: Verb = {
  summary: 'Return the status of one or more images',
  usage: `Usage: berthctl inspecti [command options] IMAGE-ID [IMAGE-ID...]

Options:
  --output value, -o value  Output format, One of: json|yaml|go-template (default: "json")
  --quiet, -q               Do not show verbose information`,
  async run(ctx, args) {
    const { format, rest } = parseOutputFlag(args, 'json');
    const quiet = rest.includes('-q') || rest.includes('--quiet');
    const refs = rest.filter((a) => a !== '-q' && a !== '--quiet');
    if (refs.some((r) => r.startsWith('-'))) throw new UsageError(`inspecti: unknown flag ${refs.find((r) => r.startsWith('-')) ?? ''}`);
    if (refs.length === 0) throw new UsageError('inspecti: give at least one image');
    let failed = 0;
    for (const ref of refs) {
      const res = await ctx.image.call(ImageStatus, { image: { image: ref, annotations: {}, userSpecifiedImage: '', runtimeHandler: '', imageRef: '' }, verbose: !quiet });
      if (!res.image) {
        process.stderr.write(`berthctl: no such image "${ref}" present\n`);
        failed++;
        continue;
      }
      const out: Record<string, unknown> = { status: Image.toJSON(res.image) };
      if (!quiet) out.info = decodeInfo(res.info);
      printObject(ctx, out, format === 'table' ? 'json' : (format ?? 'json'));
    }
    return failed ? 1 : 0;
  },
};

/** Values are JSON text; a lone "info" key is unwrapped, as crictl does. */
function decodeInfo(info: Record<string, string>): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info)) {
    try {
      out[k] = JSON.parse(v);
    } catch {
      out[k] = v;
    }
  }
  const keys = Object.keys(out);
  return keys.length === 1 && keys[0] === 'info' ? out.info : out;
}
