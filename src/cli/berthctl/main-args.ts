// berthctl's global flags (crictl's): they come before the verb.
import { parseGlobalFlags, type ValueFlag } from '../common/global-flags.js';

export interface Globals {
  config?: string;
  runtime?: string;
  image?: string;
  timeout?: string;
  debug: boolean;
  help: boolean;
  version: boolean;
}

const SPELLING: Record<string, ValueFlag> = {
  '--config': 'config', '-c': 'config',
  '--runtime-endpoint': 'endpoint', '-r': 'endpoint',
  '--image-endpoint': 'image', '-i': 'image',
  '--timeout': 'timeout', '-t': 'timeout',
};

export function parseGlobals(argv: string[]): { globals: Globals; rest: string[] } {
  const { flags, rest } = parseGlobalFlags(argv, SPELLING, (a) => `unknown global flag ${a}`);
  const v = flags.values;
  const globals: Globals = { debug: flags.debug, help: flags.help, version: flags.version };
  if (v.endpoint !== undefined) globals.runtime = v.endpoint;
  if (v.image !== undefined) globals.image = v.image;
  if (v.config !== undefined) globals.config = v.config;
  if (v.timeout !== undefined) globals.timeout = v.timeout;
  return { globals, rest };
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
