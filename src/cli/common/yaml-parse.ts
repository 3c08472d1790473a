// A YAML reader for the subset CRI config files use (crictl's pod and
// container configs): block mappings and sequences, flow [..] and {..},
// plain/quoted scalars, comments. Anchors, tags and block scalars (| >) are
// refused with a clear error rather than misread. Kept here to avoid a
// dependency in a CLI whose start-up time matters.

interface Line {
  indent: number;
  text: string;
  no: number;
}

export class YamlError extends Error {}

export function parseYaml(src: string): unknown {
  const lines: Line[] = [];
  src.split(/\r?\n/).forEach((raw, i) => {
    const text = stripComment(raw).replace(/\s+$/, '');
    if (text.trim() === '' || text === '---' || text === '...') return;
    if (/^\t/.test(text)) throw new YamlError(`line ${i + 1}: tabs are not allowed for indentation`);
    lines.push({ indent: text.length - text.trimStart().length, text: text.trim(), no: i + 1 });
  });
  if (lines.length === 0) return null;
  const p = { lines, i: 0 };
  const v = parseBlock(p, lines[0]!.indent);
  if (p.i < lines.length) throw new YamlError(`line ${lines[p.i]!.no}: unexpected indentation`);
  return v;
}

interface Parser {
  lines: Line[];
  i: number;
}

function parseBlock(p: Parser, indent: number): unknown {
  const first = p.lines[p.i]!;
  return first.text === '-' || first.text.startsWith('- ') ? parseSeq(p, indent) : parseMap(p, indent);
}

function parseSeq(p: Parser, indent: number): unknown[] {
  const out: unknown[] = [];
  while (p.i < p.lines.length) {
    const l = p.lines[p.i]!;
    if (l.indent !== indent || !(l.text === '-' || l.text.startsWith('- '))) break;
    const rest = l.text.slice(1).trimStart();
    if (rest === '') {
      p.i++;
      out.push(p.i < p.lines.length && p.lines[p.i]!.indent > indent ? parseBlock(p, p.lines[p.i]!.indent) : null);
    } else if (isMapEntry(rest) || rest === '-' || rest.startsWith('- ')) {
      // "- key: v" (or "- - x") starts a block whose other lines are indented like "key".
      const inner = indent + (l.text.length - rest.length);
      p.lines[p.i] = { indent: inner, text: rest, no: l.no };
      out.push(parseBlock(p, inner));
    } else {
      p.i++;
      out.push(parseScalarOrFlow(rest, l.no));
    }
  }
  return out;
}

function parseMap(p: Parser, indent: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  while (p.i < p.lines.length) {
    const l = p.lines[p.i]!;
    if (l.indent < indent) break;
    if (l.indent > indent) throw new YamlError(`line ${l.no}: unexpected indentation`);
    const m = matchEntry(l.text);
    if (!m) {
      if (l.text === '-' || l.text.startsWith('- ')) break;
      throw new YamlError(`line ${l.no}: expected "key: value"`);
    }
    p.i++;
    const [key, rest] = m;
    if (rest !== '') out[key] = parseScalarOrFlow(rest, l.no);
    else if (p.i < p.lines.length && (p.lines[p.i]!.indent > indent || (p.lines[p.i]!.indent === indent && p.lines[p.i]!.text.startsWith('-')))) {
      out[key] = parseBlock(p, p.lines[p.i]!.indent);
    } else out[key] = null;
  }
  return out;
}

function isMapEntry(text: string): boolean {
  return matchEntry(text) !== undefined;
}

/** "key: rest" with a plain or quoted key. */
function matchEntry(text: string): [string, string] | undefined {
  const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[\]}][^:#]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!m) return undefined;
  const rawKey = m[1] as string;
  const key = rawKey.startsWith('"') || rawKey.startsWith("'") ? String(scalar(rawKey, 0)) : rawKey;
  return [key, (m[2] ?? '').trim()];
}

function parseScalarOrFlow(text: string, no: number): unknown {
  if (/^[|>]/.test(text)) throw new YamlError(`line ${no}: block scalars (| and >) are not supported; use a quoted string`);
  if (/^[&*!]/.test(text)) throw new YamlError(`line ${no}: anchors, aliases and tags are not supported`);
  if (text.startsWith('[') || text.startsWith('{')) {
    const f = { s: text, i: 0, no };
    const v = flowValue(f);
    skipWs(f);
    if (f.i !== f.s.length) throw new YamlError(`line ${no}: unexpected "${f.s.slice(f.i)}" after a flow collection`);
    return v;
  }
  return scalar(text, no);
}

interface Flow {
  s: string;
  i: number;
  no: number;
}

function skipWs(f: Flow): void {
  while (f.i < f.s.length && /\s/.test(f.s[f.i] as string)) f.i++;
}

function flowValue(f: Flow): unknown {
  skipWs(f);
  const c = f.s[f.i];
  if (c === '[') {
    f.i++;
    const out: unknown[] = [];
    for (;;) {
      skipWs(f);
      if (f.s[f.i] === ']') return f.i++, out;
      out.push(flowValue(f));
      skipWs(f);
      if (f.s[f.i] === ',') f.i++;
      else if (f.s[f.i] !== ']') throw new YamlError(`line ${f.no}: expected "," or "]"`);
    }
  }
  if (c === '{') {
    f.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      skipWs(f);
      if (f.s[f.i] === '}') return f.i++, out;
      const key = String(flowScalar(f, true));
      skipWs(f);
      if (f.s[f.i] !== ':') throw new YamlError(`line ${f.no}: expected ":" after "${key}"`);
      f.i++;
      out[key] = flowValue(f);
      skipWs(f);
      if (f.s[f.i] === ',') f.i++;
      else if (f.s[f.i] !== '}') throw new YamlError(`line ${f.no}: expected "," or "}"`);
    }
  }
  return flowScalar(f, false);
}

function flowScalar(f: Flow, isKey: boolean): unknown {
  skipWs(f);
  const start = f.i;
  const q = f.s[f.i];
  if (q === '"' || q === "'") {
    f.i++;
    while (f.i < f.s.length) {
      if (q === '"' && f.s[f.i] === '\\') f.i += 2;
      else if (f.s[f.i] === q && q === "'" && f.s[f.i + 1] === "'") f.i += 2;
      else if (f.s[f.i] === q) break;
      else f.i++;
    }
    f.i++;
    return scalar(f.s.slice(start, f.i), f.no);
  }
  const stop = isKey ? /[:,}\]]/ : /[,}\]]/;
  while (f.i < f.s.length && !stop.test(f.s[f.i] as string)) f.i++;
  return scalar(f.s.slice(start, f.i).trim(), f.no);
}

function scalar(text: string, no: number): unknown {
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) throw new YamlError(`line ${no}: unterminated string`);
    return JSON.parse(text.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string;
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new YamlError(`line ${no}: unterminated string`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (/^(null|Null|NULL|~)?$/.test(text)) return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(text)) return Number(text);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  return text;
}

/** Drops a "# comment" that is not inside quotes. */
function stripComment(line: string): string {
  let q: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = undefined;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:[{,-]/.test(line[i - 1] as string)) q = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) return line.slice(0, i);
  }
  return line;
}
