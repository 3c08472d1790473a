// Renders a configuration as commented TOML, for `berthd config` (as
// `crio config` and `containerd config default` do): every option, its
// documentation, and its effective value.
import { stringify } from 'smol-toml';
import { NAMED_TABLES, SECTIONS, type BerthConfig } from './schema.js';

/** What an option resolves to on this host, by "section.key" (e.g. an "auto" driver), shown as a comment after its value. */
export type ResolvedNotes = Readonly<Record<string, string>>;

export function renderConfig(config: BerthConfig, files: readonly string[], resolved: ResolvedNotes = {}): string {
  const out: string[] = [
    '# berthd configuration (effective values).',
    files.length ? `# Read from: ${files.join(', ')}` : '# No configuration file was read: these are the built-in defaults.',
    '# Main file /etc/berth/berth.toml; drop-ins /etc/berth/berth.d/*.toml override it in name order.',
    '',
  ];
  const root = config as unknown as Record<string, Record<string, unknown>>;
  for (const [section, fields] of Object.entries(SECTIONS)) {
    out.push(`[${section}]`);
    for (const [key, spec] of Object.entries(fields)) {
      out.push(`# ${spec.doc}${spec.oneOf ? ` (${spec.oneOf.join(' | ')})` : ''}`);
      const note = resolved[`${section}.${key}`];
      out.push(`${key} = ${value(root[section]?.[key])}${note ? `  # ${note}` : ''}`);
    }
    out.push('');
    for (const [path, named] of Object.entries(NAMED_TABLES)) {
      const [sec, table] = path.split('.') as [string, string];
      if (sec !== section) continue;
      out.push(`# [${path}.NAME]: ${named.doc}`);
      const entries = (root[sec]?.[table] ?? {}) as Record<string, Record<string, unknown>>;
      for (const [name, entry] of Object.entries(entries)) {
        out.push(`[${path}.${quoteKey(name)}]`);
        for (const [key, spec] of Object.entries(named.fields)) {
          out.push(`# ${spec.doc}`);
          out.push(`${key} = ${value(entry[key])}`);
        }
        out.push('');
      }
      if (Object.keys(entries).length === 0) out.push('');
    }
  }
  return out.join('\n');
}

function value(v: unknown): string {
  // smol-toml stringifies tables only; wrap the scalar and take its right-hand side.
  const line = stringify({ v }).trim();
  return line.slice(line.indexOf('=') + 1).trim();
}

function quoteKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k);
}
