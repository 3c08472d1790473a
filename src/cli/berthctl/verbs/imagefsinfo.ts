// berthctl imagefsinfo: crictl's filesystem info of the image service,
// {"status": ImageFsInfoResponse} as JSON or YAML.
import { ImageFsInfoResponse } from '../../../api/gen/api.js';
import { ImageFsInfo } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseOutputFlag, printObject } from '../../common/print.js';

export const verb: Verb = {
  summary: 'Return image filesystem info',
  usage: `Usage: berthctl imagefsinfo [command options]

Options:
  --output value, -o value  Output format, One of: json|yaml|go-template (default: "json")`,
  async run(ctx, args) {
    const { format, rest } = parseOutputFlag(args, 'json');
    if (rest.length) throw new UsageError(`imagefsinfo takes no arguments (got ${rest.join(' ')})`);
    const res = await ctx.image.call(ImageFsInfo, {});
    printObject(ctx, { status: ImageFsInfoResponse.toJSON(res) }, format === 'table' ? 'json' : (format ?? 'json'));
  },
};
