// Seccomp profiles in the Docker/moby format (archMap, includes/excludes by
// capability, architecture and kernel) and their specialisation into the OCI
// `linux.seccomp` object for one container, as moby and containerd do. Also
// the validator for Localhost profiles read from disk. Pure.
import { invalidArgument } from '../util/errors.js';
import type { OciSeccomp, OciSyscall, OciSyscallArg, SeccompAction, SeccompOperator } from './oci-spec-types.js';

export interface SeccompArchMap {
  architecture: string;
  subArchitectures?: string[] | null;
}

/** A rule applies when every listed condition holds (includes) or none does (excludes). */
export interface SeccompFilter {
  /** All must be in the container's bounding set (includes); any present excludes. */
  caps?: string[];
  /** Go architecture names: amd64, arm64, arm, 386 (alias x86), x32 … */
  arches?: string[];
  /** "major.minor": the host kernel must be at least this (includes only). */
  minKernel?: string;
}

export interface SeccompRule {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: OciSyscallArg[];
  comment?: string;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

export interface SeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** OCI style: the exact list. Exclusive with archMap. */
  architectures?: string[];
  /** Docker style: native architecture → the ones it can also run. */
  archMap?: SeccompArchMap[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: SeccompRule[];
}

/** What a profile is specialised for. */
export interface SeccompTarget {
  /** The container's bounding set, CAP_-prefixed. */
  capabilities: readonly string[];
  /** Go architecture name of the host (see goArch). */
  arch: string;
  /** Host kernel; undefined means "new enough for every minKernel". */
  kernel?: { major: number; minor: number };
}

const NATIVE_ARCH: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64',
  '386': 'SCMP_ARCH_X86',
  arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
};

const NODE_TO_GO_ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** Go's name for a Node `process.arch`, the vocabulary seccomp profiles use. */
export function goArch(nodeArch: string): string {
  return NODE_TO_GO_ARCH[nodeArch] ?? nodeArch;
}

/** Parses `uname -r` ("6.1.0-18-amd64") into major.minor. */
export function parseKernelVersion(release: string): { major: number; minor: number } | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** The OCI seccomp object for one container: rules filtered by caps, arch and kernel. */
export function specialiseSeccompProfile(profile: SeccompProfile, target: SeccompTarget): OciSeccomp {
  const caps = new Set(target.capabilities);
  const syscalls: OciSyscall[] = [];
  for (const rule of profile.syscalls) {
    if (rule.names.length === 0 || !ruleApplies(rule, caps, target)) continue;
    const out: OciSyscall = { names: [...rule.names], action: rule.action };
    if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
    if (rule.args && rule.args.length > 0) out.args = rule.args.map((a) => ({ ...a }));
    syscalls.push(out);
  }
  const spec: OciSeccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) spec.defaultErrnoRet = profile.defaultErrnoRet;
  const architectures = profileArchitectures(profile, target.arch);
  if (architectures.length > 0) spec.architectures = architectures;
  if (profile.flags && profile.flags.length > 0) spec.flags = [...profile.flags];
  if (profile.listenerPath) spec.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata) spec.listenerMetadata = profile.listenerMetadata;
  spec.syscalls = syscalls;
  return spec;
}

function profileArchitectures(profile: SeccompProfile, arch: string): string[] {
  if (profile.architectures && profile.architectures.length > 0) return [...profile.architectures];
  const native = NATIVE_ARCH[arch];
  const entry = profile.archMap?.find((a) => a.architecture === native);
  return entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [];
}

function archMatches(list: readonly string[], arch: string): boolean {
  return list.includes(arch) || (arch === '386' && list.includes('x86'));
}

function ruleApplies(rule: SeccompRule, caps: ReadonlySet<string>, target: SeccompTarget): boolean {
  const inc = rule.includes;
  if (inc) {
    if (inc.caps && inc.caps.length > 0 && !inc.caps.every((c) => caps.has(c))) return false;
    if (inc.arches && inc.arches.length > 0 && !archMatches(inc.arches, target.arch)) return false;
    if (inc.minKernel && target.kernel && !kernelAtLeast(target.kernel, inc.minKernel)) return false;
  }
  const exc = rule.excludes;
  if (exc) {
    if (exc.caps && exc.caps.some((c) => caps.has(c))) return false;
    if (exc.arches && exc.arches.length > 0 && archMatches(exc.arches, target.arch)) return false;
  }
  return true;
}

function kernelAtLeast(kernel: { major: number; minor: number }, min: string): boolean {
  const want = parseKernelVersion(min);
  if (!want) return true;
  return kernel.major > want.major || (kernel.major === want.major && kernel.minor >= want.minor);
}

// ---- validation of profiles read from disk (Localhost) ----

const ACTIONS: ReadonlySet<string> = new Set<SeccompAction>([
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
]);

const OPERATORS: ReadonlySet<string> = new Set<SeccompOperator>([
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
]);

type Json = Record<string, unknown>;

/**
 * Parses and checks a profile in the OCI or Docker format (what the kubelet's
 * Localhost profiles are). `source` names the file in error messages.
 */
export function parseSeccompProfile(text: string, source: string): SeccompProfile {
  const fail = (what: string) => invalidArgument('cri', `seccomp profile ${source}: ${what}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw fail(`not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isObject(raw)) throw fail('must be a JSON object');

  const profile: SeccompProfile = { defaultAction: action(raw.defaultAction, 'defaultAction', fail), syscalls: [] };
  const defaultErrnoRet = optionalUint(raw.defaultErrnoRet, 'defaultErrnoRet', fail);
  if (defaultErrnoRet !== undefined) profile.defaultErrnoRet = defaultErrnoRet;

  const architectures = optionalStrings(raw.architectures, 'architectures', fail);
  if (architectures) {
    for (const [i, a] of architectures.entries()) if (!a.startsWith('SCMP_ARCH_')) throw fail(`architectures[${i}]: "${a}" is not an SCMP_ARCH_ name`);
    profile.architectures = architectures;
  }
  if (raw.archMap !== undefined && raw.archMap !== null) {
    if (profile.architectures && profile.architectures.length > 0) throw fail('use either "architectures" or "archMap", not both');
    profile.archMap = archMap(raw.archMap, fail);
  }
  const flags = optionalStrings(raw.flags, 'flags', fail);
  if (flags) profile.flags = flags;
  if (raw.listenerPath !== undefined) profile.listenerPath = str(raw.listenerPath, 'listenerPath', fail);
  if (raw.listenerMetadata !== undefined) profile.listenerMetadata = str(raw.listenerMetadata, 'listenerMetadata', fail);

  if (raw.syscalls !== undefined && raw.syscalls !== null) {
    if (!Array.isArray(raw.syscalls)) throw fail('syscalls: must be an array');
    profile.syscalls = raw.syscalls.map((r: unknown, i: number) => rule(r, `syscalls[${i}]`, fail));
  }
  const usesNotify = profile.defaultAction === 'SCMP_ACT_NOTIFY' || profile.syscalls.some((r) => r.action === 'SCMP_ACT_NOTIFY');
  if (usesNotify && !profile.listenerPath) throw fail('SCMP_ACT_NOTIFY needs a listenerPath');
  return profile;
}

type Fail = (what: string) => Error;

function rule(raw: unknown, at: string, fail: Fail): SeccompRule {
  if (!isObject(raw)) throw fail(`${at}: must be an object`);
  let names = optionalStrings(raw.names, `${at}.names`, fail) ?? [];
  // The old single-name form.
  if (raw.name !== undefined) names = [...names, str(raw.name, `${at}.name`, fail)];
  if (names.length === 0) throw fail(`${at}: has no syscall names`);
  for (const [i, n] of names.entries()) if (!/^[a-z0-9_]+$/.test(n)) throw fail(`${at}.names[${i}]: "${n}" is not a syscall name`);
  const out: SeccompRule = { names, action: action(raw.action, `${at}.action`, fail) };
  const errnoRet = optionalUint(raw.errnoRet, `${at}.errnoRet`, fail);
  if (errnoRet !== undefined) out.errnoRet = errnoRet;
  if (raw.args !== undefined && raw.args !== null) {
    if (!Array.isArray(raw.args)) throw fail(`${at}.args: must be an array`);
    if (raw.args.length > 6) throw fail(`${at}.args: a syscall has at most 6 arguments`);
    out.args = raw.args.map((a: unknown, j: number) => arg(a, `${at}.args[${j}]`, fail));
  }
  if (raw.comment !== undefined) out.comment = str(raw.comment, `${at}.comment`, fail);
  if (raw.includes !== undefined && raw.includes !== null) out.includes = filter(raw.includes, `${at}.includes`, fail);
  if (raw.excludes !== undefined && raw.excludes !== null) out.excludes = filter(raw.excludes, `${at}.excludes`, fail);
  return out;
}

function arg(raw: unknown, at: string, fail: Fail): OciSyscallArg {
  if (!isObject(raw)) throw fail(`${at}: must be an object`);
  const index = optionalUint(raw.index, `${at}.index`, fail);
  if (index === undefined || index > 5) throw fail(`${at}.index: must be 0…5`);
  const value = optionalUint(raw.value, `${at}.value`, fail) ?? 0;
  const out: OciSyscallArg = { index, value, op: operator(raw.op, `${at}.op`, fail) };
  const valueTwo = optionalUint(raw.valueTwo, `${at}.valueTwo`, fail);
  if (valueTwo !== undefined) out.valueTwo = valueTwo;
  return out;
}

function filter(raw: unknown, at: string, fail: Fail): SeccompFilter {
  if (!isObject(raw)) throw fail(`${at}: must be an object`);
  const out: SeccompFilter = {};
  const caps = optionalStrings(raw.caps, `${at}.caps`, fail);
  if (caps) out.caps = caps.map((c) => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`));
  const arches = optionalStrings(raw.arches, `${at}.arches`, fail);
  if (arches) out.arches = arches;
  if (raw.minKernel !== undefined && raw.minKernel !== null && raw.minKernel !== '') {
    const k = str(raw.minKernel, `${at}.minKernel`, fail);
    if (!parseKernelVersion(k)) throw fail(`${at}.minKernel: "${k}" is not a kernel version`);
    out.minKernel = k;
  }
  return out;
}

function archMap(raw: unknown, fail: Fail): SeccompArchMap[] {
  if (!Array.isArray(raw)) throw fail('archMap: must be an array');
  return raw.map((e: unknown, i: number) => {
    if (!isObject(e)) throw fail(`archMap[${i}]: must be an object`);
    const architecture = str(e.architecture, `archMap[${i}].architecture`, fail);
    return { architecture, subArchitectures: optionalStrings(e.subArchitectures, `archMap[${i}].subArchitectures`, fail) ?? [] };
  });
}

function action(v: unknown, at: string, fail: Fail): SeccompAction {
  if (typeof v !== 'string' || !ACTIONS.has(v)) throw fail(`${at}: unknown action ${JSON.stringify(v)}`);
  return v as SeccompAction;
}

function operator(v: unknown, at: string, fail: Fail): SeccompOperator {
  if (typeof v !== 'string' || !OPERATORS.has(v)) throw fail(`${at}: unknown operator ${JSON.stringify(v)}`);
  return v as SeccompOperator;
}

function str(v: unknown, at: string, fail: Fail): string {
  if (typeof v !== 'string') throw fail(`${at}: must be a string`);
  return v;
}

function optionalStrings(v: unknown, at: string, fail: Fail): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw fail(`${at}: must be an array of strings`);
  return [...(v as string[])];
}

/** JSON numbers above 2^53 lose precision in JavaScript: refuse rather than filter on a wrong value. */
function optionalUint(v: unknown, at: string, fail: Fail): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw fail(`${at}: must be a non-negative integer`);
  if (!Number.isSafeInteger(v)) throw fail(`${at}: ${v} is above 2^53 and cannot be represented exactly`);
  return v;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
