// The CDI device registry, pure: parsed spec files (by directory priority) →
// qualified device name → its spec, and a container's requested devices →
// the edits to apply. Decisions follow the reference implementation
// (tags.cncf.io/container-device-interface, pkg/cdi/cache.go):
// - a spec file that fails to parse or validate is left out and remembered;
//   the devices of every other file stay usable;
// - a device defined in a later (higher-priority) directory replaces an
//   earlier one; defined twice at the same priority, it is a conflict and
//   neither definition is used;
// - a spec's own containerEdits are applied once however many of its
//   devices are requested, before the devices' edits.
// Errors name the request field (CDI_devices[i].name or the annotation) and,
// where a file is at fault, the file and its field.
import { BerthError, Code } from '../util/errors.js';
import { emptyEdits, parseQualifiedName, qualifiedName, type CdiContainerEdits, type CdiSpec, type CdiSpecError } from './cdi-spec.js';

export interface CdiRegistry {
  /** Qualified name → the spec defining it. */
  devices: Map<string, CdiSpec>;
  /** Files left out, with why. */
  invalid: CdiSpecError[];
  /** Qualified name → the files that define it at the same priority. */
  conflicts: Map<string, string[]>;
}

export interface CdiRequest {
  /** Qualified device name as requested. */
  device: string;
  /** Where in the request it came from: CDI_devices[0].name, annotations["cdi.k8s.io/x"]. */
  field: string;
}

export interface ResolvedCdi {
  /** Merged edits, spec-level ones first (once per spec), then each device's. */
  edits: CdiContainerEdits;
  /** For each piece of `edits`, nothing more is needed; for messages, the file each device came from. */
  sources: { request: CdiRequest; file: string }[];
}

/** Specs with their directory's priority (index in spec_dirs). */
export function buildRegistry(specs: readonly { spec: CdiSpec; priority: number }[], invalid: readonly CdiSpecError[]): CdiRegistry {
  const devices = new Map<string, { spec: CdiSpec; priority: number }>();
  const conflicts = new Map<string, string[]>();
  for (const s of specs) {
    for (const name of s.spec.devices.keys()) {
      const q = qualifiedName({ vendor: s.spec.vendor, class: s.spec.class, name });
      const other = devices.get(q);
      if (other && other.priority > s.priority) continue;
      if (other && other.priority === s.priority) {
        conflicts.set(q, [...(conflicts.get(q) ?? [other.spec.file]), s.spec.file]);
        continue;
      }
      devices.set(q, s);
      conflicts.delete(q); // a higher priority definition settles an earlier conflict
    }
  }
  for (const q of conflicts.keys()) devices.delete(q);
  return { devices: new Map([...devices].map(([q, s]) => [q, s.spec])), invalid: [...invalid], conflicts };
}

/** Requested devices → edits, or the error a kubelet should see. Duplicates are applied once. */
export function resolveCdiDevices(reg: CdiRegistry, requests: readonly CdiRequest[]): ResolvedCdi {
  const edits = emptyEdits();
  const sources: ResolvedCdi['sources'] = [];
  const specsDone = new Set<CdiSpec>();
  const seen = new Set<string>();
  for (const r of requests) {
    const q = parseQualifiedName(r.device);
    if (typeof q === 'string') throw new BerthError(Code.InvalidArgument, 'cri', `${r.field}: ${q}`);
    const name = qualifiedName(q);
    if (seen.has(name)) continue;
    seen.add(name);
    const spec = reg.devices.get(name);
    if (!spec) throw unresolvable(reg, r, q.vendor, q.class);
    const device = spec.devices.get(q.name) as CdiContainerEdits;
    for (const [what, e] of [['containerEdits', spec.edits], [`device "${q.name}"`, device]] as const) {
      if (e === spec.edits && specsDone.has(spec)) continue;
      if (e.unsupported.length > 0) {
        throw new BerthError(Code.FailedPrecondition, 'cri', `${r.field}: CDI device "${name}" needs ${e.unsupported.join(' and ')} (${spec.file}, ${what}), which Berth does not apply`);
      }
      append(edits, e);
    }
    specsDone.add(spec);
    sources.push({ request: r, file: spec.file });
  }
  return { edits, sources };
}

function append(into: CdiContainerEdits, e: CdiContainerEdits): void {
  into.env.push(...e.env);
  into.deviceNodes.push(...e.deviceNodes.map((d) => ({ ...d })));
  into.mounts.push(...e.mounts.map((m) => ({ ...m, ...(m.options ? { options: [...m.options] } : {}) })));
  into.hooks.push(...e.hooks.map((h) => ({ ...h })));
  into.additionalGids.push(...e.additionalGids);
}

function unresolvable(reg: CdiRegistry, r: CdiRequest, vendor: string, cls: string): BerthError {
  const name = r.device;
  const conflict = reg.conflicts.get(name);
  if (conflict) {
    return new BerthError(Code.FailedPrecondition, 'cri', `${r.field}: CDI device "${name}" is defined by more than one spec file of the same priority (${conflict.join(', ')}); none is used`);
  }
  // A broken file of the same kind probably meant to define it: say so, with the file's own error.
  const kind = `${vendor}/${cls}`;
  const broken = reg.invalid.filter((e) => e.kind === kind || e.kind === undefined);
  const sameKind = broken.filter((e) => e.kind === kind);
  if (sameKind.length > 0) {
    return new BerthError(Code.FailedPrecondition, 'cri', `${r.field}: CDI device "${name}" is not available: ${sameKind.map((e) => e.message).join('; ')}`);
  }
  const also = broken.length > 0 ? ` (spec files left out as invalid: ${broken.map((e) => e.message).join('; ')})` : '';
  return new BerthError(Code.NotFound, 'cri', `${r.field}: CDI device "${name}" is not defined by any spec file${also}`);
}
