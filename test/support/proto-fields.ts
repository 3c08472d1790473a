// Reduces a .proto file to the sorted field table the CRI contract is
// published as (test/fixtures/cri-api/cri-v1.36.fields.tsv): one row per
// field, enum value, reserved statement or empty message, tab-separated
// kind, message, number, name, type, extra. Comments, field order and
// options are ignored, so two protos with the same wire contract give the
// same table. Written for proto3 as the CRI uses it (messages, enums,
// nested types, map<,>, repeated, reserved, oneof); it is a tokenizer, not a
// full protobuf grammar.

type Item =
  | { kind: 'field'; name: string; number: number; type: string }
  | { kind: 'enumval'; name: string; number: number }
  | { kind: 'reserved'; text: string };

interface Scope {
  kind: 'message' | 'enum' | 'oneof' | 'service';
  name: string;
  full: string;
}

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

function parse(text: string): Map<string, { kind: 'message' | 'enum'; items: Item[] }> {
  const toks = stripComments(text).match(/[A-Za-z_][\w.]*|\d+|"[^"]*"|[{}=;<>,()[\]]|-/g) ?? [];
  const out = new Map<string, { kind: 'message' | 'enum'; items: Item[] }>();
  const stack: Scope[] = [];
  let i = 0;
  const at = (k: number): string => toks[k] ?? '';
  while (i < toks.length) {
    const t = at(i);
    if ((t === 'message' || t === 'enum') && at(i + 2) === '{') {
      const name = at(i + 1);
      const full = [...stack.filter((s) => s.kind === 'message' || s.kind === 'enum').map((s) => s.name), name].join('.');
      stack.push({ kind: t, name, full });
      out.set(full, { kind: t, items: [] });
      i += 3;
      continue;
    }
    if ((t === 'oneof' || t === 'service') && at(i + 2) === '{') {
      stack.push({ kind: t, name: at(i + 1), full: '' });
      i += 3;
      continue;
    }
    if (t === '}') {
      stack.pop();
      i += 1;
      continue;
    }
    const types = stack.filter((s) => s.kind === 'message' || s.kind === 'enum');
    const cur = types[types.length - 1];
    if (!cur || stack[stack.length - 1]?.kind === 'service') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < toks.length && at(j) !== ';') j++;
    const st = toks.slice(i, j);
    i = j + 1;
    const entry = out.get(cur.full);
    if (!entry) continue;
    if (st[0] === 'reserved') {
      entry.items.push({ kind: 'reserved', text: st.slice(1).join(' ') });
      continue;
    }
    if (st[0] === 'option') continue;
    if (cur.kind === 'enum') {
      entry.items.push({ kind: 'enumval', name: st[0] ?? '', number: Number.parseInt((st.slice(2).join('').split('[')[0]) ?? '', 10) });
      continue;
    }
    let type: string;
    let name: string;
    let num: string;
    if (st[0] === 'map') [type, name, num] = [`map<${st[2]},${st[4]}>`, st[6] ?? '', st[8] ?? ''];
    else if (st[0] === 'repeated' || st[0] === 'optional') [type, name, num] = [`${st[0]} ${st[1]}`, st[2] ?? '', st[4] ?? ''];
    else [type, name, num] = [st[0] ?? '', st[1] ?? '', st[3] ?? ''];
    entry.items.push({ kind: 'field', name, number: Number.parseInt(num, 10), type });
  }
  return out;
}

/** The sorted TSV (with a trailing newline), options left out. */
export function fieldTable(protoText: string): string {
  const rows: [string, string, number, string, string, string][] = [];
  for (const [msg, v] of parse(protoText)) {
    if (!v.items.length) rows.push([v.kind, msg, -1, '', '(empty)', '']);
    for (const it of v.items) {
      if (it.kind === 'field') rows.push(['field', msg, it.number, it.name, it.type, '']);
      else if (it.kind === 'enumval') rows.push(['enum', msg, it.number, it.name, '', '']);
      else rows.push(['reserved', msg, -1, it.text, '', '']);
    }
  }
  // Python's tuple order: message, kind, number, name (strings by code point).
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => cmp(a[1], b[1]) || cmp(a[0], b[0]) || a[2] - b[2] || cmp(a[3], b[3]));
  return rows.map((r) => r.join('\t') + '\n').join('');
}
