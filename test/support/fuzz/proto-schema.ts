// Just enough of a proto3 parser for the fuzzer: the messages of
// proto/api.proto (nested ones included), their fields, the enums and the
// RPCs, so requests can be generated for every method without a list kept by
// hand. Handles what the CRI file uses: scalar, message, enum, repeated and
// map<K, V> fields; no oneof, no options.
export interface FieldDef {
  /** The ts-proto property name (camelCase). */
  name: string;
  protoName: string;
  type: string;
  repeated: boolean;
  /** For map fields: the key and value types (`type` is then "map"). */
  map?: { key: string; value: string };
}

export interface Schema {
  /** Fully qualified (Outer.Inner) name → fields. */
  messages: Map<string, FieldDef[]>;
  /** Fully qualified name → values. */
  enums: Map<string, number[]>;
  /** RPC name → request message name. */
  rpcs: Map<string, { request: string; stream: boolean }>;
}

export const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'double', 'float']);

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

export function parseProto(text: string): Schema {
  const schema: Schema = { messages: new Map(), enums: new Map(), rpcs: new Map() };
  const raw = new Map<string, { scope: string; fields: FieldDef[] }>();
  const scope: { kind: 'message' | 'enum' | 'service' | 'other'; name: string }[] = [];
  const qualified = (): string => scope.filter((s) => s.kind === 'message' || s.kind === 'enum').map((s) => s.name).join('.');
  const lines = text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '').split('\n');
  for (const line of lines.map((l) => l.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^(message|enum|service)\s+(\w+)\s*\{$/.exec(line))) {
      scope.push({ kind: m[1] as 'message' | 'enum' | 'service', name: m[2] as string });
      const q = qualified();
      if (m[1] === 'message') raw.set(q, { scope: q, fields: [] });
      if (m[1] === 'enum') schema.enums.set(q, []);
      continue;
    }
    if (line === '}') {
      scope.pop();
      continue;
    }
    if (/\{$/.test(line)) {
      scope.push({ kind: 'other', name: '' });
      continue;
    }
    const top = scope[scope.length - 1];
    if (!top) continue;
    if (top.kind === 'service' && (m = /^rpc\s+(\w+)\s*\(\s*(\w+)\s*\)\s*returns\s*\(\s*(stream\s+)?(\w+)\s*\)/.exec(line))) {
      schema.rpcs.set(m[1] as string, { request: m[2] as string, stream: !!m[3] });
    } else if (top.kind === 'enum' && (m = /^(\w+)\s*=\s*(-?\d+)\s*;/.exec(line))) {
      schema.enums.get(qualified())?.push(Number(m[2]));
    } else if (top.kind === 'message' && (m = /^map<\s*(\w+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*\d+\s*;/.exec(line))) {
      raw.get(qualified())?.fields.push({ name: camel(m[3] as string), protoName: m[3] as string, type: 'map', repeated: false, map: { key: m[1] as string, value: m[2] as string } });
    } else if (top.kind === 'message' && (m = /^(repeated\s+)?([\w.]+)\s+(\w+)\s*=\s*\d+\s*;/.exec(line))) {
      raw.get(qualified())?.fields.push({ name: camel(m[3] as string), protoName: m[3] as string, type: m[2] as string, repeated: !!m[1] });
    }
  }
  // Resolve type names against the enclosing scopes, innermost first.
  const resolve = (from: string, type: string): string => {
    if (SCALARS.has(type)) return type;
    const parts = from.split('.');
    for (let i = parts.length; i >= 0; i--) {
      const candidate = [...parts.slice(0, i), type].join('.');
      if (raw.has(candidate) || schema.enums.has(candidate)) return candidate;
    }
    throw new Error(`proto: unknown type ${type} in ${from}`);
  };
  for (const [name, { scope: s, fields }] of raw) {
    schema.messages.set(
      name,
      fields.map((f) => (f.map ? { ...f, map: { key: f.map.key, value: resolve(s, f.map.value) } } : { ...f, type: resolve(s, f.type) })),
    );
  }
  return schema;
}
