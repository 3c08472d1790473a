// -o json|yaml|go-template handling shared by the berthctl verbs.
import { UsageError, type CliContext } from './cli-context.js';
import { toJson, toYaml } from './output.js';

export type OutputFormat = 'json' | 'yaml' | 'table' | 'go-template';

export function parseOutputFlag(args: string[], dflt: OutputFormat | undefined): { format: OutputFormat | undefined; rest: string[] } {
  let format = dflt;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    let v: string | undefined;
    if (a === '-o' || a === '--output') v = args[++i];
    else if (a.startsWith('--output=')) v = a.slice('--output='.length);
    else if (a.startsWith('-o=')) v = a.slice(3);
    else {
      rest.push(a);
      continue;
    }
    if (v !== 'json' && v !== 'yaml' && v !== 'table' && v !== 'go-template') {
      throw new UsageError(`unsupported output format "${v ?? ''}": use json, yaml, table or go-template`);
    }
    format = v;
  }
  return { format, rest };
}

export function printObject(ctx: CliContext, value: unknown, format: OutputFormat): void {
  if (format === 'yaml') ctx.print(toYaml(value));
  else if (format === 'json') ctx.print(toJson(value));
  else throw new UsageError(`output format ${format} is not supported by this command`);
}
