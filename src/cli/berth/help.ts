// Help text rendered from a verb's declaration, laid out like a man page
// (usage, description, options, examples), wrapped to 80 columns.
import type { BerthVerb, FlagDef } from './verb.js';

const WIDTH = 80;

export function flagLabel(f: FlagDef): string {
  const value = f.kind === 'bool' ? '' : ` ${f.value ?? (f.kind === 'int' ? 'int' : 'string')}`;
  return `${f.short ? `-${f.short}, ` : '    '}--${f.name}${value}`;
}

export function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    if (para.trim() === '') {
      out.push('');
      continue;
    }
    // Lines that start with spaces are preformatted (lists, commands).
    if (/^\s/.test(para)) {
      out.push(indent + para);
      continue;
    }
    let line = '';
    for (const word of para.split(/\s+/)) {
      if (line && line.length + 1 + word.length > width - indent.length) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(indent + line);
  }
  return out.join('\n');
}

export function renderHelp(name: string, v: BerthVerb): string {
  const parts = [`Usage:  berth ${v.synopsis}`, '', wrap(v.description.trim(), WIDTH, '')];
  if (v.subverbs) {
    const w = Math.max(...Object.keys(v.subverbs).map((k) => k.length)) + 3;
    parts.push('', 'Commands:', ...Object.entries(v.subverbs).map(([k, s]) => `  ${k.padEnd(w)}${s.summary}`));
  }
  const flags = [...v.flags, { name: 'help', kind: 'bool', help: `Print usage of berth ${name}` } satisfies FlagDef];
  const labels = flags.map(flagLabel);
  const col = Math.min(34, Math.max(...labels.map((l) => l.length)) + 4);
  parts.push('', 'Options:');
  flags.forEach((f, i) => {
    const label = `  ${labels[i] as string}`;
    const text = f.default !== undefined ? `${f.help} (default ${f.default})` : f.help;
    const body = wrap(text, WIDTH, ' '.repeat(col + 2)).trimStart();
    parts.push(label.length + 2 > col + 2 ? `${label}\n${' '.repeat(col + 2)}${body}` : `${label.padEnd(col + 2)}${body}`);
  });
  if (v.examples?.length) parts.push('', 'Examples:', ...v.examples.map((e) => (e.startsWith('#') ? `  ${e}` : `  $ ${e}`)));
  return parts.join('\n');
}
