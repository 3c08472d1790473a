// The global flags both CLIs take before the verb: endpoint, image endpoint,
// config file and timeout (each CLI spells them its own way), plus debug,
// help and version.
import { UsageError } from './cli-context.js';

export type ValueFlag = 'endpoint' | 'image' | 'config' | 'timeout';

export interface GlobalFlags {
  values: Partial<Record<ValueFlag, string>>;
  debug: boolean;
  help: boolean;
  version: boolean;
}

/** Parses leading flags; `spelling` maps each accepted spelling to its meaning. */
export function parseGlobalFlags(argv: readonly string[], spelling: Readonly<Record<string, ValueFlag>>, unknown: (flag: string) => string): { flags: GlobalFlags; rest: string[] } {
  const flags: GlobalFlags = { values: {}, debug: false, help: false, version: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('-')) break;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const field = spelling[name];
    if (field) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`flag ${name} needs a value`);
      flags.values[field] = value;
    } else if (a === '--debug' || a === '-D') flags.debug = true;
    else if (a === '--help' || a === '-h') flags.help = true;
    else if (a === '--version' || a === '-v') flags.version = true;
    else throw new UsageError(unknown(a));
  }
  return { flags, rest: argv.slice(i) };
}
