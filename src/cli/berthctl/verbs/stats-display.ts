// How stats and statsp print, as crictl: -o json|yaml prints one sample;
// the table needs two samples --seconds apart; -w repeats (twice a second,
// clearing the screen) until interrupted.
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, type CliContext } from '../../common/cli-context.js';
import { exitQuietlyOnClosedPipe } from '../../common/pipe.js';
import { printObject } from '../../common/print.js';
import { sortKeysDeep } from './container-format.js';
import type { FlagSpec, FlagValues } from './flags.js';
import { table } from './image-format.js';

export const DISPLAY_FLAGS: Record<string, FlagSpec> = {
  output: { kind: 'string', short: 'o' },
  seconds: { kind: 'int', short: 's' },
  watch: { kind: 'bool', short: 'w' },
};

export interface Sampler<T> {
  fetch(): Promise<T[]>;
  doc(items: T[]): unknown;
  table(before: T[], after: T[]): string[][];
}

export async function display<T>(ctx: CliContext, verb: string, flags: FlagValues, s: Sampler<T>): Promise<void> {
  const output = (flags.output as string | undefined) || 'table';
  if (!['json', 'yaml', 'table'].includes(output)) throw new UsageError(`${verb}: unsupported output format "${output}"`);
  const seconds = (flags.seconds as number | undefined) ?? 1;
  if (seconds < 0) throw new UsageError(`${verb}: --seconds must not be negative`);
  const once = async (): Promise<void> => {
    const first = await s.fetch();
    if (output !== 'table') {
      const doc = s.doc(first);
      printObject(ctx, output === 'yaml' ? sortKeysDeep(doc) : doc, output as 'json' | 'yaml');
      return;
    }
    await sleep(seconds * 1000);
    const rows = s.table(first, await s.fetch());
    if (flags.watch) ctx.out('\x1b[2J\x1b[H');
    ctx.print(table(rows));
  };
  if (!flags.watch) return once();
  exitQuietlyOnClosedPipe();
  for (;;) {
    await once();
    await sleep(500);
  }
}
