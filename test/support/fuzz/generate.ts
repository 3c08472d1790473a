// A seeded generator of hostile CRI requests over the schema of
// proto/api.proto: boundary numbers, unknown enum values, empty and 1 MB
// strings, NUL bytes, path traversal aimed at a canary name, huge repeated
// fields and maps — mixed with real ids so requests get past the first
// lookup. Objects have ts-proto's shape (camelCase, bigint int64), ready for
// a method's fromPartial/encode. Same seed, same requests.
import { SCALARS, type FieldDef, type Schema } from './proto-schema.js';

/** mulberry32: small, fast, good enough to spread fuzz cases; reproducible from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzContext {
  /** Real ids and references of objects that exist (pods, containers, images). */
  ids: string[];
  images: string[];
  /** A unique name: traversal strings aim at it, so an escape can be found afterwards. */
  canary: string;
  /** An absolute directory where host paths may be created (mounts' host_path). */
  hostDir: string;
}

const MIB = 1 << 20;
/** Total bytes of big values per request: stays below the 16 MiB gRPC limit most of the time. */
const BIG_BUDGET = 4 * MIB;

export class RequestGenerator {
  private readonly rnd: () => number;
  private budget = BIG_BUDGET;
  private readonly traversal: string[];

  constructor(
    private readonly schema: Schema,
    private readonly ctx: FuzzContext,
    seed: number,
  ) {
    this.rnd = prng(seed);
    const c = ctx.canary;
    this.traversal = [
      `../../../../../../../../tmp/${c}`,
      `../${c}`,
      `../../${c}/x.log`,
      `/tmp/${c}`,
      `${ctx.hostDir}/../../${c}`,
      `a/../../../${c}`,
      `./${c}/../../..//${c}`,
      `${c}\0/../../etc/passwd`,
    ];
  }

  /** Replaces the real ids mixed into requests (the old objects are gone). */
  setIds(ids: string[]): void {
    this.ctx.ids = ids;
  }

  /** A request for `rpc` (its request message). */
  request(rpc: string): Record<string, unknown> {
    const r = this.schema.rpcs.get(rpc);
    if (!r) throw new Error(`no rpc ${rpc}`);
    this.budget = BIG_BUDGET;
    return this.message(r.request, 0);
  }

  /**
   * A valid request with some of its fields (at any depth) replaced by
   * generated ones: gets past validation far more often than pure noise.
   */
  mutate(rpc: string, base: Record<string, unknown>, p = 0.2): Record<string, unknown> {
    return this.blend(base, this.request(rpc), p) as Record<string, unknown>;
  }

  private blend(base: unknown, noise: unknown, p: number): unknown {
    if (!isPlainObject(base) || !isPlainObject(noise)) return this.chance(p) && noise !== undefined ? noise : base;
    const out: Record<string, unknown> = { ...base };
    for (const k of new Set([...Object.keys(base), ...Object.keys(noise)])) {
      if (!(k in base)) {
        if (this.chance(p / 2)) out[k] = noise[k];
      } else if (k in noise) out[k] = isPlainObject(base[k]) ? this.blend(base[k], noise[k], p) : this.chance(p) ? noise[k] : base[k];
      else if (this.chance(p / 2)) delete out[k];
    }
    return out;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)] as T;
  }

  private chance(p: number): boolean {
    return this.rnd() < p;
  }

  private message(name: string, depth: number): Record<string, unknown> {
    const fields = this.schema.messages.get(name) ?? [];
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      // Deep nesting thins out; ids are set more often (they decide how far a request gets).
      const p = depth > 4 ? 0.15 : isIdField(f.protoName) ? 0.9 : 0.55;
      if (!this.chance(p)) continue;
      out[f.name] = this.field(f, depth);
    }
    return out;
  }

  private field(f: FieldDef, depth: number): unknown {
    if (f.map) {
      const n = this.count(true);
      const m: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) m[i < 64 ? this.string(`${f.protoName}.key`) : `k${i}`] = this.value(f.map.value, `${f.protoName}.value`, depth);
      return m;
    }
    if (f.repeated) {
      const n = this.count(SCALARS.has(f.type));
      return Array.from({ length: n }, () => this.value(f.type, f.protoName, depth));
    }
    return this.value(f.type, f.protoName, depth);
  }

  /** Mostly 0–3 elements; now and then thousands (only of small elements). */
  private count(small: boolean): number {
    if (small && this.chance(0.03)) return 1000 + Math.floor(this.rnd() * 4000);
    return this.pick([0, 0, 1, 1, 2, 3]);
  }

  private value(type: string, field: string, depth: number): unknown {
    const values = this.schema.enums.get(type);
    if (values) return this.chance(0.8) ? this.pick(values) : this.pick([-1, 99, 2147483647, -2147483648]);
    switch (type) {
      case 'string':
        return this.string(field);
      case 'bool':
        return this.chance(0.5);
      case 'bytes':
        return this.bytes();
      case 'int32':
      case 'sint32':
      case 'sfixed32':
        return field === 'host_port' ? this.pick([0, 0, 41000 + Math.floor(this.rnd() * 100)]) : this.pick([0, 1, -1, 2147483647, -2147483648, Math.floor(this.rnd() * 70000)]);
      case 'uint32':
      case 'fixed32':
        return this.pick([0, 1, 4294967295, Math.floor(this.rnd() * 100000)]);
      case 'int64':
      case 'sint64':
      case 'sfixed64':
        return this.pick([0n, 1n, -1n, 2n, 10n, 9223372036854775807n, -9223372036854775808n, BigInt(Math.floor(this.rnd() * 1e12))]);
      case 'uint64':
      case 'fixed64':
        return this.pick([0n, 1n, 18446744073709551615n, BigInt(Math.floor(this.rnd() * 1e12))]);
      case 'double':
      case 'float':
        return this.pick([0, -1, 1e308, Number.NaN, Number.POSITIVE_INFINITY, this.rnd()]);
      default:
        return this.message(type, depth + 1);
    }
  }

  private big(n: number, fill: string): string | undefined {
    if (this.budget < n) return undefined;
    this.budget -= n;
    return fill.repeat(n);
  }

  private string(field: string): string {
    if (this.chance(0.02)) return this.big(MIB, 'x') ?? 'x';
    const generic = ['', 'a', 'x'.repeat(300), 'a\0b', '\0', 'ünï€😀', '\ud800', ' ', '\n', '%s%n', 'true', '-1', randomWord(this.rnd)];
    if (isIdField(field)) {
      const id = this.pick(this.ctx.ids.length ? this.ctx.ids : ['none']);
      return this.pick([id, id, id.slice(0, 6), `${id}x`, '', '../../etc', 'f'.repeat(64), `${id}\0`, ...generic]);
    }
    if (field === 'image') return this.pick([...this.ctx.images, ...this.ctx.images, 'sha256:', `sha256:${'0'.repeat(64)}`, 'a:b:c', 'UPPER/case', ...generic]);
    if (PATH_FIELDS.has(field)) {
      const abs = `${this.ctx.hostDir}/${randomWord(this.rnd)}`;
      return this.pick([...this.traversal, abs, abs, 'relative/path', '/', '/proc/self', '/dev/null', ...generic]);
    }
    if (field === 'cgroup_parent') return this.pick(['', '', '/berth', `../../../${this.ctx.canary}`, 'not-absolute', 'a\0b', 'x'.repeat(5000)]);
    // Never anything that waits: an ExecSync without a timeout must end on its own.
    if (field === 'cmd' || field === 'command' || field === 'args') return this.pick(['true', 'echo', 'id', 'ls', '/nonexistent', '', 'a\0b', `../../${this.ctx.canary}`]);
    return this.pick(generic);
  }

  private bytes(): Uint8Array {
    const n = this.chance(0.02) && this.budget >= MIB ? MIB : Math.floor(this.rnd() * 64);
    if (n === MIB) this.budget -= MIB;
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.rnd() * 256);
    return b;
  }
}

const PATH_FIELDS = new Set(['log_path', 'log_directory', 'host_path', 'container_path', 'seccomp_profile_path', 'localhost_ref', 'working_dir', 'path', 'profile_name', 'location']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function isIdField(name: string): boolean {
  return name === 'pod_sandbox_id' || name === 'container_id' || name === 'target_id' || name === 'id' || name === 'image_ref';
}

function randomWord(rnd: () => number): string {
  const n = 1 + Math.floor(rnd() * 12);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + Math.floor(rnd() * 26));
  return s;
}

/** Random protobuf-ish bytes: garbage, truncated varints, wrong wire types, lengths past the end. */
export function wireGarbage(rnd: () => number): Buffer {
  const kind = Math.floor(rnd() * 5);
  if (kind === 0) return Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
  if (kind === 1) return Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x41]); // field 1, length 4 GiB, 1 byte
  if (kind === 2) return Buffer.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]); // overlong varint
  if (kind === 3) return Buffer.from([0x0b, 0x0c]); // start/end group (deprecated wire types)
  return Buffer.from([0x0a, 0x05, 0x61]); // length 5, 1 byte present
}
