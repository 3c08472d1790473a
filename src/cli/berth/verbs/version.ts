// berth version: the client's and the runtime's versions, docker-style.
import { Version } from '../../../api/methods.js';
import { VERSION } from '../../../version.js';
import { errorLines } from '../errors.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'version',
  description: 'Show the version of berth and of the container runtime it talks to (CRI Version).',
  flags: [],
  async run(ctx) {
    ctx.print(`Client:\n Version:     ${VERSION}\n Node.js:     ${process.version}\n OS/Arch:     ${process.platform}/${process.arch}\n`);
    try {
      const v = await ctx.runtime.call(Version, { version: 'v1' });
      ctx.print(`Server: ${v.runtimeName}\n Version:     ${v.runtimeVersion}\n CRI API:     ${v.runtimeApiVersion}\n Endpoint:    ${ctx.endpoints.runtime}`);
    } catch (e) {
      process.stderr.write(`${errorLines(e, ctx.endpoints.debug).join('\n')}\n`);
      return 1;
    }
  },
};
