// CDI (Container Device Interface) spec files, pure: text → a validated spec,
// and qualified device names. Spec files are written by device plugins and
// drivers into /etc/cdi and /var/run/cdi; berthd treats them as hostile input:
// every field is checked for type and form, unknown fields are refused (as
// the reference library's strict unmarshalling does), numbers must be
// integers in range, and an error names the file and the field path.
//
// YAML goes through the `yaml` package (YAML 1.2 core schema, duplicate keys
// refused, alias expansion bounded), not the CLI's hand-written subset reader
// (src/cli/common/yaml-parse.ts): that one refuses anchors and block scalars
// and would misjudge other valid files, while here a third party's file must
// be read exactly as the spec's reference reads it or refused with a reason.
import type * as YamlLib from 'yaml';

/** The `yaml` package, loaded by the caller (import('yaml')) only when a YAML spec is read: berthd does not evaluate it at start-up. */
export type YamlModule = Pick<typeof YamlLib, 'parseDocument'>;

/** Spec versions the CDI project has released (a leading "v" is accepted, as the reference does). */
export const CDI_VERSIONS: readonly string[] = ['0.3.0', '0.4.0', '0.5.0', '0.6.0', '0.7.0', '0.8.0', '1.0.0', '1.1.0'];
/** Hook names of the OCI runtime spec that a CDI hook may name. */
export const CDI_HOOK_NAMES = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
export type CdiHookName = (typeof CDI_HOOK_NAMES)[number];
/** Larger spec files are refused unread (a real one is a few KiB). */
export const CDI_MAX_SPEC_BYTES = 1024 * 1024;
const MAX_UINT32 = 0xffff_ffff;

export interface CdiDeviceNode {
  /** Path inside the container. */
  path: string;
  /** Host node; default `path`. */
  hostPath?: string;
  type?: 'b' | 'c' | 'u' | 'p';
  major?: number;
  minor?: number;
  fileMode?: number;
  /** r, w, m; "" = rwm; "none" = no cgroup access. */
  permissions?: string;
  uid?: number;
  gid?: number;
}

export interface CdiMount {
  hostPath: string;
  containerPath: string;
  type?: string;
  options?: string[];
}

export interface CdiHook {
  hookName: CdiHookName;
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface CdiContainerEdits {
  env: string[];
  deviceNodes: CdiDeviceNode[];
  mounts: CdiMount[];
  hooks: CdiHook[];
  additionalGids: number[];
  /** Edits of the spec Berth cannot apply (intelRdt, netDevices): a device needing them is refused when requested. */
  unsupported: string[];
}

export interface CdiSpec {
  file: string;
  cdiVersion: string;
  vendor: string;
  class: string;
  /** Spec-level edits: applied once when any device of this spec is requested. */
  edits: CdiContainerEdits;
  /** Device name (unqualified) → its edits. */
  devices: Map<string, CdiContainerEdits>;
}

/** A spec file that cannot be used; `kind` when the file got that far (to tell which requests it breaks). */
export class CdiSpecError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
    readonly kind?: string,
  ) {
    super(`CDI spec ${file}: ${field ? `${field}: ` : ''}${reason}`);
  }
}

// ---- qualified names ----

export interface QualifiedName {
  vendor: string;
  class: string;
  name: string;
}

const alnum = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9]$/.test(c);
const letter = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z]$/.test(c);

/** Vendor and class: a letter, then letters, digits, _ - . , ending alphanumeric. Returns the reason it is not. */
export function vendorOrClassProblem(s: string): string | undefined {
  if (s === '') return 'is empty';
  if (!letter(s[0])) return `"${s}" must start with a letter`;
  if (s.length > 1 && !/^[A-Za-z0-9_.-]*$/.test(s.slice(1, -1))) return `"${s}" may only contain letters, digits, "_", "-" and "."`;
  if (!alnum(s[s.length - 1])) return `"${s}" must end with a letter or digit`;
  return undefined;
}

/** Device names: alphanumeric first and last, letters, digits, _ - . : between. */
export function deviceNameProblem(s: string): string | undefined {
  if (s === '') return 'is empty';
  if (!alnum(s[0])) return `"${s}" must start with a letter or digit`;
  if (s.length > 1 && !/^[A-Za-z0-9_.:-]*$/.test(s.slice(1, -1))) return `"${s}" may only contain letters, digits, "_", "-", "." and ":"`;
  if (!alnum(s[s.length - 1])) return `"${s}" must end with a letter or digit`;
  return undefined;
}

/** "vendor.com/class=name" → its parts; a string with the reason otherwise. */
export function parseQualifiedName(device: string): QualifiedName | string {
  const eq = device.indexOf('=');
  const slash = device.indexOf('/');
  if (device.startsWith('/') || eq <= 0 || slash <= 0 || slash > eq) return `"${device}" is not a qualified CDI device name (vendor.com/class=name)`;
  const vendor = device.slice(0, slash);
  const cls = device.slice(slash + 1, eq);
  const name = device.slice(eq + 1);
  const problem =
    (vendorOrClassProblem(vendor) && `vendor ${vendorOrClassProblem(vendor)}`) ||
    (vendorOrClassProblem(cls) && `class ${vendorOrClassProblem(cls)}`) ||
    (deviceNameProblem(name) && `device name ${deviceNameProblem(name)}`);
  if (problem) return `"${device}": ${problem}`;
  return { vendor, class: cls, name };
}

export const qualifiedName = (q: QualifiedName): string => `${q.vendor}/${q.class}=${q.name}`;

/** Devices named by the CDI annotations (`cdi.k8s.io/<key>`: comma-separated qualified names), with the annotation naming each. */
export const CDI_ANNOTATION_PREFIX = 'cdi.k8s.io/';

export function devicesFromAnnotations(annotations: Readonly<Record<string, string>>): { device: string; field: string }[] {
  const out: { device: string; field: string }[] = [];
  for (const key of Object.keys(annotations).sort()) {
    if (!key.startsWith(CDI_ANNOTATION_PREFIX)) continue;
    for (const device of (annotations[key] ?? '').split(',')) out.push({ device: device.trim(), field: `annotations["${key}"]` });
  }
  return out;
}

// ---- spec files ----

type Json = unknown;

/** Parses and validates one spec file; `.json` as JSON, `.yaml` as YAML (with `yaml`). Throws CdiSpecError. */
export function parseCdiSpec(text: string, file: string, yaml?: YamlModule): CdiSpec {
  if (Buffer.byteLength(text) > CDI_MAX_SPEC_BYTES) throw new CdiSpecError(file, '', `larger than ${CDI_MAX_SPEC_BYTES} bytes`);
  if (file.endsWith('.json')) return validateSpec(parseJson(text, file), file);
  if (!yaml) throw new CdiSpecError(file, '', 'no YAML reader was given');
  return validateSpec(parseYamlText(yaml, text, file), file);
}

function parseJson(text: string, file: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new CdiSpecError(file, '', `not valid JSON: ${(e as Error).message}`);
  }
}

function parseYamlText(yaml: YamlModule, text: string, file: string): Json {
  // uniqueKeys: a repeated key is an error, not "last one wins"; no custom tags beyond YAML 1.2 core.
  const doc = yaml.parseDocument(text, { uniqueKeys: true, schema: 'core', prettyErrors: false });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new CdiSpecError(file, '', `not valid YAML: ${problem.message.split('\n')[0] ?? ''}`);
  try {
    // Aliases are expanded up to a bound (a "billion laughs" file is refused, not expanded).
    return doc.toJS({ maxAliasCount: 50 }) as Json;
  } catch (e) {
    throw new CdiSpecError(file, '', `not usable YAML: ${(e as Error).message}`);
  }
}

class Ctx {
  constructor(
    readonly file: string,
    public kind?: string,
  ) {}
  fail(field: string, reason: string): never {
    throw new CdiSpecError(this.file, field, reason, this.kind);
  }
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(c: Ctx, v: Json, field: string, allowed: readonly string[]): Record<string, Json> {
  if (!isObject(v)) c.fail(field, 'must be an object');
  for (const k of Object.keys(v)) if (!allowed.includes(k)) c.fail(field ? `${field}.${k}` : k, 'unknown field');
  return v;
}

function str(c: Ctx, v: Json, field: string, opts: { required?: boolean; absolute?: boolean } = {}): string | undefined {
  if (v === undefined || v === null) {
    if (opts.required) c.fail(field, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') c.fail(field, 'must be a string');
  if (opts.required && v === '') c.fail(field, 'must not be empty');
  if (v.includes('\0')) c.fail(field, 'must not contain NUL');
  if (opts.absolute && v !== '' && !v.startsWith('/')) c.fail(field, `"${v}" must be an absolute path`);
  return v;
}

function int(c: Ctx, v: Json, field: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) c.fail(field, 'must be an integer');
  if (v < min || v > max) c.fail(field, `${v} is outside ${min}…${max}`);
  return v;
}

function strings(c: Ctx, v: Json, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) c.fail(field, 'must be a list of strings');
  return v.map((x, i) => str(c, x as Json, `${field}[${i}]`, { required: true }) as string);
}

function list(c: Ctx, v: Json, field: string): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) c.fail(field, 'must be a list');
  return v as Json[];
}

function envList(c: Ctx, v: Json, field: string): string[] {
  const env = strings(c, v, field);
  env.forEach((e, i) => {
    if (e.indexOf('=') <= 0) c.fail(`${field}[${i}]`, `"${e}" is not NAME=value`);
  });
  return env;
}

function annotations(c: Ctx, v: Json, field: string): void {
  if (v === undefined || v === null) return;
  if (!isObject(v)) c.fail(field, 'must be a map of strings');
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') c.fail(`${field}["${k}"]`, 'must be a string');
}

function validateSpec(doc: Json, file: string): CdiSpec {
  const c = new Ctx(file);
  const top = object(c, doc, '', ['cdiVersion', 'kind', 'annotations', 'devices', 'containerEdits']);
  const kind = str(c, top.kind, 'kind', { required: true }) as string;
  const slash = kind.indexOf('/');
  if (slash <= 0 || kind.indexOf('/', slash + 1) !== -1) c.fail('kind', `"${kind}" must be vendor/class (e.g. vendor.com/gpu)`);
  const vendor = kind.slice(0, slash);
  const cls = kind.slice(slash + 1);
  const vProblem = vendorOrClassProblem(vendor);
  if (vProblem) c.fail('kind', `vendor ${vProblem}`);
  const cProblem = vendorOrClassProblem(cls);
  if (cProblem) c.fail('kind', `class ${cProblem}`);
  c.kind = kind;
  const version = str(c, top.cdiVersion, 'cdiVersion', { required: true }) as string;
  if (!CDI_VERSIONS.includes(version.replace(/^v/, ''))) c.fail('cdiVersion', `"${version}" is not a released CDI spec version (${CDI_VERSIONS.join(', ')})`);
  annotations(c, top.annotations, 'annotations');
  const edits = containerEdits(c, top.containerEdits, 'containerEdits');
  const devices = new Map<string, CdiContainerEdits>();
  const raw = list(c, top.devices, 'devices');
  if (raw.length === 0) c.fail('devices', 'must list at least one device');
  raw.forEach((d, i) => {
    const at = `devices[${i}]`;
    const dev = object(c, d, at, ['name', 'annotations', 'containerEdits']);
    const name = str(c, dev.name, `${at}.name`, { required: true }) as string;
    const problem = deviceNameProblem(name);
    if (problem) c.fail(`${at}.name`, problem);
    if (devices.has(name)) c.fail(`${at}.name`, `device "${name}" is defined twice`);
    annotations(c, dev.annotations, `${at}.annotations`);
    const e = containerEdits(c, dev.containerEdits, `${at}.containerEdits`);
    if (isEmpty(e)) c.fail(`${at}.containerEdits`, 'a device must make at least one edit');
    devices.set(name, e);
  });
  return { file, cdiVersion: version, vendor, class: cls, edits, devices };
}

function isEmpty(e: CdiContainerEdits): boolean {
  return e.env.length + e.deviceNodes.length + e.mounts.length + e.hooks.length + e.additionalGids.length + e.unsupported.length === 0;
}

export function emptyEdits(): CdiContainerEdits {
  return { env: [], deviceNodes: [], mounts: [], hooks: [], additionalGids: [], unsupported: [] };
}

function containerEdits(c: Ctx, v: Json, field: string): CdiContainerEdits {
  const out = emptyEdits();
  if (v === undefined || v === null) return out;
  const e = object(c, v, field, ['env', 'deviceNodes', 'mounts', 'hooks', 'additionalGids', 'additionalGIDs', 'intelRdt', 'netDevices']);
  out.env = envList(c, e.env, `${field}.env`);
  out.deviceNodes = list(c, e.deviceNodes, `${field}.deviceNodes`).map((d, i) => deviceNode(c, d, `${field}.deviceNodes[${i}]`));
  out.mounts = list(c, e.mounts, `${field}.mounts`).map((m, i) => mount(c, m, `${field}.mounts[${i}]`));
  out.hooks = list(c, e.hooks, `${field}.hooks`).map((h, i) => hook(c, h, `${field}.hooks[${i}]`));
  const gidsKey = e.additionalGIDs !== undefined ? 'additionalGIDs' : 'additionalGids';
  out.additionalGids = list(c, e[gidsKey], `${field}.${gidsKey}`)
    .map((g, i) => int(c, g, `${field}.${gidsKey}[${i}]`, 0, MAX_UINT32) as number)
    .filter((g) => g !== 0); // the spec: 0 is ignored
  if (e.intelRdt !== undefined && e.intelRdt !== null) {
    if (!isObject(e.intelRdt)) c.fail(`${field}.intelRdt`, 'must be an object');
    out.unsupported.push('intelRdt');
  }
  if (list(c, e.netDevices, `${field}.netDevices`).length > 0) out.unsupported.push('netDevices');
  return out;
}

function deviceNode(c: Ctx, v: Json, field: string): CdiDeviceNode {
  const d = object(c, v, field, ['path', 'hostPath', 'type', 'major', 'minor', 'fileMode', 'permissions', 'uid', 'gid']);
  const node: CdiDeviceNode = { path: str(c, d.path, `${field}.path`, { required: true, absolute: true }) as string };
  const hostPath = str(c, d.hostPath, `${field}.hostPath`, { absolute: true });
  if (hostPath) node.hostPath = hostPath;
  const type = str(c, d.type, `${field}.type`);
  if (type !== undefined && type !== '') {
    if (type !== 'b' && type !== 'c' && type !== 'u' && type !== 'p') c.fail(`${field}.type`, `"${type}" is not one of b, c, u, p`);
    node.type = type;
  }
  const major = int(c, d.major, `${field}.major`, 0, MAX_UINT32);
  const minor = int(c, d.minor, `${field}.minor`, 0, MAX_UINT32);
  if (major !== undefined) node.major = major;
  if (minor !== undefined) node.minor = minor;
  const fileMode = int(c, d.fileMode, `${field}.fileMode`, 0, 0o7777);
  if (fileMode !== undefined) node.fileMode = fileMode;
  const perms = str(c, d.permissions, `${field}.permissions`);
  if (perms !== undefined && perms !== '') {
    if (perms !== 'none' && !/^[rwm]+$/.test(perms)) c.fail(`${field}.permissions`, `"${perms}" must be made of r, w, m (or be "none")`);
    node.permissions = perms;
  }
  const uid = int(c, d.uid, `${field}.uid`, 0, MAX_UINT32);
  const gid = int(c, d.gid, `${field}.gid`, 0, MAX_UINT32);
  if (uid !== undefined) node.uid = uid;
  if (gid !== undefined) node.gid = gid;
  return node;
}

function mount(c: Ctx, v: Json, field: string): CdiMount {
  const m = object(c, v, field, ['hostPath', 'containerPath', 'type', 'options']);
  const out: CdiMount = {
    hostPath: str(c, m.hostPath, `${field}.hostPath`, { required: true }) as string,
    containerPath: str(c, m.containerPath, `${field}.containerPath`, { required: true, absolute: true }) as string,
  };
  if (out.containerPath.split('/').includes('..')) c.fail(`${field}.containerPath`, `"${out.containerPath}" must not contain ".."`);
  const type = str(c, m.type, `${field}.type`);
  if (type) out.type = type;
  if (m.options !== undefined && m.options !== null) out.options = strings(c, m.options, `${field}.options`);
  return out;
}

function hook(c: Ctx, v: Json, field: string): CdiHook {
  const h = object(c, v, field, ['hookName', 'path', 'args', 'env', 'timeout']);
  const name = str(c, h.hookName, `${field}.hookName`, { required: true }) as string;
  if (!(CDI_HOOK_NAMES as readonly string[]).includes(name)) c.fail(`${field}.hookName`, `"${name}" is not one of ${CDI_HOOK_NAMES.join(', ')}`);
  const out: CdiHook = { hookName: name as CdiHookName, path: str(c, h.path, `${field}.path`, { required: true, absolute: true }) as string };
  if (h.args !== undefined && h.args !== null) out.args = strings(c, h.args, `${field}.args`);
  if (h.env !== undefined && h.env !== null) out.env = envList(c, h.env, `${field}.env`);
  const timeout = int(c, h.timeout, `${field}.timeout`, 1, 2 ** 31 - 1);
  if (timeout !== undefined) out.timeout = timeout;
  return out;
}
