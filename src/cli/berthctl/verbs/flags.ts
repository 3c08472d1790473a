// Verb flags the way crictl (urfave/cli) takes them: --name value,
// --name=value, -n value, combined short booleans (-qa), repeatable string
// flags. Flags may appear anywhere among the arguments.
import { UsageError } from '../../common/cli-context.js';

export type FlagKind = 'bool' | 'string' | 'strings' | 'int';

export interface FlagSpec {
  kind: FlagKind;
  /** Short alias without the dash. */
  short?: string;
}

export type FlagValues = Record<string, boolean | string | string[] | number | undefined>;

export function parseFlags(verb: string, args: readonly string[], specs: Record<string, FlagSpec>): { flags: FlagValues; positional: string[] } {
  const flags: FlagValues = {};
  const positional: string[] = [];
  const byShort = new Map(Object.entries(specs).filter(([, s]) => s.short).map(([n, s]) => [s.short as string, n]));
  const set = (name: string, value: string | undefined, next: () => string | undefined): void => {
    const spec = specs[name] as FlagSpec;
    if (spec.kind === 'bool') {
      flags[name] = value === undefined ? true : value !== 'false';
      return;
    }
    const v = value ?? next();
    if (v === undefined) throw new UsageError(`${verb}: flag --${name} needs a value`);
    if (spec.kind === 'int') {
      if (!/^-?\d+$/.test(v)) throw new UsageError(`${verb}: flag --${name}: "${v}" is not an integer`);
      flags[name] = Number(v);
    } else if (spec.kind === 'strings') flags[name] = [...((flags[name] as string[] | undefined) ?? []), v];
    else flags[name] = v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = (): string | undefined => args[++i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (!specs[name]) throw new UsageError(`${verb}: unknown flag --${name}`);
      set(name, eq > 0 ? a.slice(eq + 1) : undefined, next);
    } else if (a.startsWith('-') && a.length > 1) {
      const eq = a.indexOf('=');
      const body = eq > 0 ? a.slice(1, eq) : a.slice(1);
      const single = byShort.get(body);
      if (single) {
        set(single, eq > 0 ? a.slice(eq + 1) : undefined, next);
        continue;
      }
      // Combined short booleans: -qa
      for (const ch of body) {
        const name = byShort.get(ch);
        if (!name || specs[name]?.kind !== 'bool') throw new UsageError(`${verb}: unknown flag -${body}`);
        flags[name] = true;
      }
    } else positional.push(a);
  }
  return { flags, positional };
}
