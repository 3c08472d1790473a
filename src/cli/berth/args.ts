// Docker-style flag parsing from a verb's FlagDefs: --name value,
// --name=value, -n value, -nvalue, combined short booleans (-it, -qa), and
// repeatable flags. Flags may follow positionals unless the verb stops at
// its first positional (run IMAGE CMD…, exec CONTAINER CMD…).
import { UsageError } from '../common/cli-context.js';
import type { FlagDef, FlagValues, Parsed } from './verb.js';

export interface ParseSpec {
  verb: string;
  flags: readonly FlagDef[];
  stopAtPositional?: boolean;
}

export function parseArgs(spec: ParseSpec, argv: readonly string[]): Parsed {
  const byLong = new Map(spec.flags.map((f) => [f.name, f]));
  const byShort = new Map(spec.flags.filter((f) => f.short).map((f) => [f.short as string, f]));
  const flags: FlagValues = {};
  const args: string[] = [];
  const unknown = (text: string): UsageError => new UsageError(`${spec.verb}: unknown flag: ${text}; see 'berth ${spec.verb} --help'`);
  const set = (f: FlagDef, inline: string | undefined, next: () => string | undefined, shown: string): void => {
    if (f.kind === 'bool') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`${spec.verb}: flag ${shown} takes true or false, not "${inline}"`);
      flags[f.name] = inline !== 'false';
      return;
    }
    const v = inline ?? next();
    if (v === undefined) throw new UsageError(`${spec.verb}: flag ${shown} needs a value; see 'berth ${spec.verb} --help'`);
    if (f.kind === 'int') {
      if (!/^-?\d+$/.test(v)) throw new UsageError(`${spec.verb}: flag ${shown}: "${v}" is not a whole number`);
      flags[f.name] = Number(v);
    } else if (f.kind === 'strings') flags[f.name] = [...((flags[f.name] as string[] | undefined) ?? []), v];
    else flags[f.name] = v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = (): string | undefined => (i + 1 < argv.length ? argv[++i] : undefined);
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const f = byLong.get(name);
      if (!f) throw unknown(`--${name}`);
      set(f, eq > 0 ? a.slice(eq + 1) : undefined, next, `--${name}`);
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      // -p8080:80, -e=K=V, -it, -qa
      for (let j = 1; j < a.length; j++) {
        const ch = a[j] as string;
        const f = byShort.get(ch);
        if (!f) throw unknown(`-${ch}${a.length > 2 ? ` in ${a}` : ''}`);
        if (f.kind === 'bool') {
          flags[f.name] = true;
          continue;
        }
        let rest = a.slice(j + 1);
        if (rest.startsWith('=')) rest = rest.slice(1);
        set(f, rest === '' ? undefined : rest, next, `-${ch}`);
        break;
      }
    } else {
      args.push(a);
      if (spec.stopAtPositional) {
        args.push(...argv.slice(i + 1));
        break;
      }
    }
  }
  return { flags, args };
}

/**
 * --help among the verb's own flags (not inside the command it runs:
 * `berth exec web ls --help`). -h counts too unless the verb uses -h itself
 * (run's -h is --hostname, as in docker).
 */
export function wantsHelp(argv: readonly string[], flags: readonly FlagDef[], stopAtPositional: boolean): boolean {
  const hOwned = flags.some((f) => f.short === 'h');
  const takesValue = new Set(flags.filter((f) => f.kind !== 'bool').flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return false;
    if (a === '--help' || (a === '-h' && !hOwned)) return true;
    if (takesValue.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-') && stopAtPositional) return false;
  }
  return false;
}

export function str(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function strs(flags: FlagValues, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : [];
}

export function bool(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

export function int(flags: FlagValues, name: string): number | undefined {
  const v = flags[name];
  return typeof v === 'number' ? v : undefined;
}
