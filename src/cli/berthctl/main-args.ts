// berthctl's global flags (crictl's): they come before the verb.
import { UsageError } from '../common/cli-context.js';

export interface Globals {
  config?: string;
  runtime?: string;
  image?: string;
  timeout?: string;
  debug: boolean;
  help: boolean;
  version: boolean;
}

const WITH_VALUE: Record<string, keyof Globals> = {
  '--config': 'config', '-c': 'config',
  '--runtime-endpoint': 'runtime', '-r': 'runtime',
  '--image-endpoint': 'image', '-i': 'image',
  '--timeout': 'timeout', '-t': 'timeout',
};

export function parseGlobals(argv: string[]): { globals: Globals; rest: string[] } {
  const g: Globals = { debug: false, help: false, version: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('-')) break;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const field = WITH_VALUE[name];
    if (field) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`flag ${name} needs a value`);
      (g as unknown as Record<string, string>)[field] = value;
    } else if (a === '--debug' || a === '-D') g.debug = true;
    else if (a === '--help' || a === '-h') g.help = true;
    else if (a === '--version' || a === '-v') g.version = true;
    else throw new UsageError(`unknown global flag ${a}`);
  }
  return { globals: g, rest: argv.slice(i) };
}

/**
 * -h/--help among the verb's own flags, not in the command it runs
 * (`berthctl exec -s ID df -h` runs `df -h`): scanning stops at the first
 * positional argument that is not a flag's value, or at `--`.
 */
export function wantsHelp(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') return false;
    if (a === '-h' || a === '--help') return true;
    if (!a.startsWith('-') && !(args[i - 1] ?? '').startsWith('-')) return false;
  }
  return false;
}
