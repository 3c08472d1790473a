// The part of Go's text/template that crictl's `-o go-template --template`
// users write against JSON data: {{.a.b}}, {{.}}, pipelines into the
// functions crictl provides (json, title, lower, upper) plus len and index,
// {{range}}, {{if}}/{{else}}, {{with}}, {{end}}, trim markers {{- -}} and
// comments. Missing keys are errors (crictl sets missingkey=error).

export class TemplateError extends Error {}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'out'; pipe: string }
  | { kind: 'block'; op: 'if' | 'range' | 'with'; pipe: string; body: Node[]; alt: Node[] };

export function renderTemplate(src: string, data: unknown): string {
  const nodes = parse(tokenize(src));
  return exec(nodes, data, data);
}

/** Throws TemplateError when `src` does not parse. */
export function validateTemplate(src: string): void {
  parse(tokenize(src));
}

type Token = { text: string } | { action: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start++;
    }
    out.push({ text });
    const close = src.indexOf('}}', start);
    if (close < 0) throw new TemplateError('template: unclosed action');
    let body = src.slice(start, close);
    i = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      i += (/^\s*/.exec(src.slice(i)) as RegExpExecArray)[0].length;
    }
    out.push({ action: body.trim() });
  }
  return out;
}

function parse(tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: { node: Extract<Node, { kind: 'block' }>; inAlt: boolean }[] = [];
  const target = (): Node[] => {
    const top = stack[stack.length - 1];
    return top ? (top.inAlt ? top.node.alt : top.node.body) : root;
  };
  for (const t of tokens) {
    if ('text' in t) {
      if (t.text) target().push({ kind: 'text', text: t.text });
      continue;
    }
    const a = t.action;
    if (a.startsWith('/*')) continue;
    const m = /^(if|range|with)\s+(.+)$/s.exec(a);
    if (m) {
      const node = { kind: 'block' as const, op: m[1] as 'if' | 'range' | 'with', pipe: (m[2] as string).trim(), body: [], alt: [] };
      target().push(node);
      stack.push({ node, inAlt: false });
    } else if (a === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.inAlt) throw new TemplateError('template: unexpected {{else}}');
      top.inAlt = true;
    } else if (a === 'end') {
      if (!stack.pop()) throw new TemplateError('template: unexpected {{end}}');
    } else if (a === '') throw new TemplateError('template: missing value for command');
    else target().push({ kind: 'out', pipe: a });
  }
  if (stack.length) throw new TemplateError('template: unexpected EOF (missing {{end}})');
  return root;
}

function exec(nodes: Node[], dot: unknown, root: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'out') out += show(evalPipe(n.pipe, dot, root));
    else {
      const v = evalPipe(n.pipe, dot, root);
      if (n.op === 'if') out += exec(truthy(v) ? n.body : n.alt, dot, root);
      else if (n.op === 'with') out += truthy(v) ? exec(n.body, v, root) : exec(n.alt, dot, root);
      else {
        const items = Array.isArray(v) ? v : isMap(v) ? Object.keys(v).sort().map((k) => v[k]) : undefined;
        if (items === undefined && v !== null && v !== undefined) throw new TemplateError(`template: range can't iterate over ${show(v)}`);
        out += items?.length ? items.map((x) => exec(n.body, x, root)).join('') : exec(n.alt, dot, root);
      }
    }
  }
  return out;
}

const FUNCS: Record<string, (...args: unknown[]) => unknown> = {
  json: (v) => `${JSON.stringify(v ?? null).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}\n`,
  title: (v) => String(v).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, p: string, c: string) => p + c.toUpperCase()),
  lower: (v) => String(v).toLowerCase(),
  upper: (v) => String(v).toUpperCase(),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : isMap(v) ? Object.keys(v).length : fail(`len of ${show(v)}`)),
  index: (v, ...keys) => keys.reduce((acc, k) => field(acc, String(k)), v),
};

function evalPipe(pipe: string, dot: unknown, root: unknown): unknown {
  let prev: unknown;
  let first = true;
  for (const cmd of splitPipe(pipe)) {
    const words = splitWords(cmd);
    const [head, ...rest] = words;
    if (head === undefined) throw new TemplateError('template: empty command');
    const fn = FUNCS[head];
    const args = rest.map((w) => arg(w, dot, root));
    if (!first) args.push(prev);
    if (fn) prev = fn(...args);
    else if (args.length) throw new TemplateError(`template: can't give argument to non-function ${head}`);
    else prev = arg(head, dot, root);
    first = false;
  }
  return prev;
}

function arg(w: string, dot: unknown, root: unknown): unknown {
  if (w.startsWith('"')) return JSON.parse(w) as string;
  if (/^-?\d+(\.\d+)?$/.test(w)) return Number(w);
  if (w === 'true' || w === 'false') return w === 'true';
  if (w === '.') return dot;
  if (w === '$') return root;
  const base = w.startsWith('$.') ? root : w.startsWith('.') ? dot : fail(`function "${w}" not defined`);
  return w.replace(/^\$/, '').slice(1).split('.').reduce((acc, k) => field(acc, k), base);
}

function field(v: unknown, k: string): unknown {
  if (Array.isArray(v) && /^\d+$/.test(k)) {
    if (Number(k) >= v.length) fail(`index out of range: ${k}`);
    return v[Number(k)];
  }
  if (!isMap(v)) return fail(`can't evaluate field ${k} in ${v === null || v === undefined ? 'a nil value' : `type ${typeof v}`}`);
  if (!(k in v)) return fail(`map has no entry for key "${k}"`);
  return v[k];
}

function splitPipe(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '"' && s[i - 1] !== '\\') q = !q;
    if (c === '|' && !q) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

function splitWords(s: string): string[] {
  return s.match(/"(?:[^"\\]|\\.)*"|[^\s()]+/g) ?? [];
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return v !== null && v !== undefined && v !== false && v !== 0 && v !== '';
}

/** Go's %v of decoded JSON: maps as map[k:v] with sorted keys, lists as [a b], null as <no value>. */
function show(v: unknown): string {
  if (v === null || v === undefined) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${show(v[k])}`).join(' ')}]`;
  return String(v);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(msg: string): never {
  throw new TemplateError(`template: ${msg}`);
}
