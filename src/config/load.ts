// Loads the berthd configuration: the main TOML file, then drop-ins from
// <dir>/berth.d/*.toml in name order, each validated on its own so an error
// names its file; later files override earlier ones key by key; command-line
// flags override everything. Every option has a default, so no file is needed.
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { BerthError, Code, errnoCode, errorMessage } from '../util/errors.js';
import { parseDuration } from '../util/duration.js';
import { NAMED_TABLES, SECTIONS, defaultConfig, type BerthConfig, type FieldSpec } from './schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/berth/berth.toml';

export interface ConfigOverrides {
  listen?: string;
  root?: string;
  state?: string;
  logLevel?: string;
}

export interface LoadedConfig {
  config: BerthConfig;
  /** Files that were read, in merge order. */
  files: string[];
}

type Table = Record<string, unknown>;

const configError = (msg: string): BerthError => new BerthError(Code.InvalidArgument, 'config', msg);

/** Reads `path` (optional when it is the default path) and its drop-in directory. */
export async function loadConfig(path: string | undefined, overrides: ConfigOverrides = {}): Promise<LoadedConfig> {
  const main = path ?? DEFAULT_CONFIG_PATH;
  const files: string[] = [];
  const tables: Table[] = [];
  const mainText = await readOptional(main, path !== undefined);
  if (mainText !== undefined) {
    files.push(main);
    tables.push(parseFile(main, mainText));
  }
  const dropDir = join(dirname(main), `${basename(main, '.toml')}.d`);
  for (const name of await listDropIns(dropDir)) {
    const file = join(dropDir, name);
    const text = await readOptional(file, true);
    if (text === undefined) continue;
    files.push(file);
    tables.push(parseFile(file, text));
  }
  return { config: buildConfig(tables, overrides), files };
}

/** Pure: defaults ← tables in order ← overrides, then derived defaults. */
export function buildConfig(tables: readonly Table[], overrides: ConfigOverrides = {}): BerthConfig {
  const merged = defaultConfig() as unknown as Table;
  for (const t of tables) deepMerge(merged, t);
  const config = merged as unknown as BerthConfig;
  applyOverrides(config, overrides);
  for (const [name, h] of Object.entries(config.runtime.handlers)) {
    if (!h.path) throw configError(`runtime.handlers.${name}.path: missing (the runtime binary)`);
    if (!h.root) h.root = join(config.storage.state, name);
  }
  for (const r of Object.values(config.image.registries)) {
    r.mirrors ??= [];
    r.insecure ??= false;
  }
  if (!(config.runtime.default_handler in config.runtime.handlers)) {
    throw configError(`runtime.default_handler: "${config.runtime.default_handler}" is not a configured handler (have: ${Object.keys(config.runtime.handlers).join(', ')})`);
  }
  return config;
}

function applyOverrides(config: BerthConfig, o: ConfigOverrides): void {
  const check = (section: string, key: string, value: unknown, flag: string): void => {
    const reason = checkValue(SECTIONS[section]?.[key] as FieldSpec, value);
    if (reason) throw configError(`--${flag}: ${reason}`);
  };
  if (o.listen !== undefined) {
    const listen = o.listen.startsWith('/') ? `unix://${o.listen}` : o.listen;
    check('grpc', 'listen', listen, 'listen');
    config.grpc.listen = listen;
  }
  if (o.root !== undefined) {
    check('storage', 'root', o.root, 'root');
    config.storage.root = o.root;
  }
  if (o.state !== undefined) {
    check('storage', 'state', o.state, 'state');
    config.storage.state = o.state;
  }
  if (o.logLevel !== undefined) {
    check('log', 'level', o.logLevel, 'log-level');
    config.log.level = o.logLevel as BerthConfig['log']['level'];
  }
}

/** Parses and validates one file; errors name the file and the key. */
export function parseFile(file: string, text: string): Table {
  let table: Table;
  try {
    table = parseToml(text, { integersAsBigInt: 'asNeeded' }) as Table;
  } catch (e) {
    throw configError(`${file}: not valid TOML: ${errorMessage(e).split('\n')[0]}`);
  }
  const bad = validateTable(table);
  if (bad) throw configError(`${file}: ${bad}`);
  return table;
}

/** Returns "key: reason" for the first invalid entry, or undefined. Converts bigints in place. */
export function validateTable(table: Table): string | undefined {
  for (const [section, value] of Object.entries(table)) {
    const fields = SECTIONS[section];
    if (!fields) return `${section}: unknown section (known: ${Object.keys(SECTIONS).join(', ')})`;
    if (!isTable(value)) return `${section}: must be a table`;
    for (const [key, v] of Object.entries(value)) {
      const path = `${section}.${key}`;
      const named = NAMED_TABLES[path];
      if (named) {
        const bad = validateNamed(path, v, named.fields);
        if (bad) return bad;
        continue;
      }
      const spec = fields[key];
      if (!spec) return `${path}: unknown key`;
      value[key] = normalize(v);
      const reason = checkValue(spec, value[key]);
      if (reason) return `${path}: ${reason}`;
    }
  }
  return undefined;
}

function validateNamed(path: string, v: unknown, fields: Record<string, FieldSpec>): string | undefined {
  if (!isTable(v)) return `${path}: must be a table of named tables`;
  for (const [name, entry] of Object.entries(v)) {
    if (!isTable(entry)) return `${path}.${name}: must be a table`;
    for (const [key, raw] of Object.entries(entry)) {
      const spec = fields[key];
      if (!spec) return `${path}.${name}.${key}: unknown key (known: ${Object.keys(fields).join(', ')})`;
      entry[key] = normalize(raw);
      const reason = checkValue(spec, entry[key]);
      if (reason) return `${path}.${name}.${key}: ${reason}`;
    }
  }
  return undefined;
}

export function checkValue(spec: FieldSpec, v: unknown): string | undefined {
  switch (spec.type) {
    case 'string':
      if (typeof v !== 'string') return 'must be a string';
      if (spec.oneOf && !spec.oneOf.includes(v)) return `must be one of ${spec.oneOf.join(', ')}, not "${v}"`;
      break;
    case 'duration':
      if (typeof v !== 'string' || parseDuration(v) === undefined) return 'must be a duration such as "30s", "4h" or "1m30s"';
      break;
    case 'bool':
      if (typeof v !== 'boolean') return 'must be true or false';
      break;
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return 'must be an integer';
      break;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a number';
      break;
    case 'string[]':
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return 'must be a list of strings';
      break;
  }
  return spec.check?.(v);
}

function normalize(v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function deepMerge(into: Table, from: Table): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (isTable(cur) && isTable(v)) deepMerge(cur, v);
    else into[k] = structuredClone(v);
  }
}

async function readOptional(file: string, required: boolean): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' && !required) return undefined;
    throw configError(`${file}: cannot read: ${errorMessage(e)}`);
  }
}

async function listDropIns(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.toml')).sort();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw configError(`${dir}: cannot list drop-ins: ${errorMessage(e)}`);
  }
}
