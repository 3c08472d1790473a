// berth's completion description, from its verb table and each verb's flags.
import type { CompletionSpec, CompletionVerb } from '../common/completion.js';
import { GLOBAL_FLAG_NAMES } from './main-args.js';
import { VERBS } from './verb-table.js';
import type { BerthVerb, CompleteKind } from './verb.js';

function kind(k: CompleteKind | undefined): string {
  if (k === undefined) return 'none';
  if (typeof k !== 'string') return `w:${k.join(',')}`;
  if (k === 'signal') return 'w:KILL,TERM,INT,HUP,QUIT,USR1,USR2,STOP,CONT';
  return k;
}

function describe(path: string, v: BerthVerb): CompletionVerb {
  const flags: string[] = ['--help'];
  const valueFlags: string[] = [];
  const flagKinds: Record<string, string> = {};
  for (const f of v.flags) {
    const names = [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])];
    flags.push(...names);
    if (f.kind !== 'bool') {
      valueFlags.push(...names);
      if (f.complete && f.complete !== 'none') for (const n of names) flagKinds[n] = kind(f.complete);
    }
  }
  const out: CompletionVerb = { path, flags, valueFlags, flagKinds, args: (v.positional ?? []).map(kind) };
  if (v.subverbs) out.subverbs = Object.fromEntries(Object.entries(v.subverbs).map(([n, s]) => [n, s.summary]));
  return out;
}

export async function berthCompletionSpec(): Promise<CompletionSpec> {
  const details: CompletionVerb[] = [];
  const verbs: Record<string, string> = {};
  for (const [name, entry] of Object.entries(VERBS)) {
    if (entry.hidden) continue;
    verbs[name] = entry.summary;
    const { verb } = await entry.load();
    details.push(describe(name, verb));
    for (const [sub, s] of Object.entries(verb.subverbs ?? {})) details.push(describe(`${name} ${sub}`, (await s.load()).verb));
  }
  return {
    prog: 'berth',
    globalFlags: GLOBAL_FLAG_NAMES,
    globalValueFlags: ['-H', '--host', '--runtime-endpoint', '-r', '--image-endpoint', '--config', '--timeout'],
    verbs,
    details,
    dynamic: { container: '__complete containers', running: '__complete running', image: '__complete images' },
  };
}
