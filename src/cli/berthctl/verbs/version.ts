// berthctl version: the runtime's Version answer, as crictl prints it.
import { VersionResponse } from '../../../api/gen/api.js';
import { Version } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseOutputFlag, printObject } from '../../common/print.js';

export const verb: Verb = {
  summary: 'Display runtime version information',
  usage: `Usage: berthctl version [-o json|yaml]

Options:
  --output value, -o value  Output format, One of: json|yaml`,
  async run(ctx, args) {
    const { format, rest } = parseOutputFlag(args, undefined);
    if (rest.length) throw new UsageError(`version takes no arguments (got ${rest.join(' ')})`);
    const v = await ctx.runtime.call(Version, { version: 'v1' });
    if (format) {
      printObject(ctx, VersionResponse.toJSON(v), format);
      return;
    }
    ctx.print(
      [`Version:  ${v.version}`, `RuntimeName:  ${v.runtimeName}`, `RuntimeVersion:  ${v.runtimeVersion}`, `RuntimeApiVersion:  ${v.runtimeApiVersion}`].join('\n'),
    );
  },
};
