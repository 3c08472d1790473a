// Output shapes shared by the CLIs: JSON (2-space, as crictl prints) and a
// small YAML emitter for the same data (crictl's -o yaml).

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** YAML for JSON-shaped data: maps, lists, strings, numbers, booleans, null. */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return value.map((v) => `${pad}- ${isBlock(v) ? toYaml(v, indent + 2).trimStart() : scalar(v)}`).join('\n');
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return entries
      .map(([k, v]) => {
        if (isBlock(v) && !isEmpty(v)) return `${pad}${key(k)}:\n${toYaml(v, Array.isArray(v) ? indent : indent + 2)}`;
        return `${pad}${key(k)}: ${isBlock(v) ? toYaml(v) : scalar(v)}`;
      })
      .join('\n');
  }
  return `${pad}${scalar(value)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isBlock(v: unknown): boolean {
  return Array.isArray(v) || isObject(v);
}
function isEmpty(v: unknown): boolean {
  return Array.isArray(v) ? v.length === 0 : isObject(v) && Object.keys(v).length === 0;
}
function key(k: string): string {
  return /^[A-Za-z_][\w.-]*$/.test(k) ? k : JSON.stringify(k);
}
function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (s === '' || /^[\s]|[\s]$|[:#{}[\],&*?|<>=!%@`"'\n]|^(true|false|null|yes|no|~|-?\d+(\.\d+)?)$/i.test(s) || s.startsWith('-')) {
    return JSON.stringify(s);
  }
  return s;
}
