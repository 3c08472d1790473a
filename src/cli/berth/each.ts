// Verbs that act on several containers (stop, start, rm, kill …) do each in
// turn, print each name as given on success (as docker does), report every
// failure on its own line and exit 1 when any failed.
import type { Container } from '../../api/gen/api.js';
import { UsageError, type CliContext } from '../common/cli-context.js';
import { errorLines, wrapError } from './errors.js';
import { findContainer } from './resolve.js';

export async function forEachContainer(
  ctx: CliContext,
  verb: string,
  refs: readonly string[],
  doing: string,
  act: (c: Container, ref: string) => Promise<void>,
): Promise<number> {
  if (refs.length === 0) throw new UsageError(`${verb}: at least one CONTAINER is required; see 'berth ${verb} --help'`);
  let failed = 0;
  for (const ref of refs) {
    try {
      const c = await findContainer(ctx, ref);
      try {
        await act(c, ref);
      } catch (e) {
        throw wrapError(`${doing} ${ref}`, e);
      }
      ctx.print(ref);
    } catch (e) {
      failed++;
      process.stderr.write(`${errorLines(e, ctx.endpoints.debug).join('\n')}\n`);
    }
  }
  return failed ? 1 : 0;
}
