// Manifests, indexes and image configs: parsing and validation (pure).
// Docker schema 2 and OCI manifests; Docker manifest lists and OCI indexes
// resolved to linux/<host arch>[/variant]; schema 1 refused clearly.
import { createHash } from 'node:crypto';
import { BerthError, Code } from '../util/errors.js';
import { SHA256_RE } from './reference.js';

export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

const LAYER_TYPES = new Set([
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export type ParsedManifest =
  | { kind: 'index'; manifests: Descriptor[] }
  | { kind: 'manifest'; config: Descriptor; layers: Descriptor[] };

/** The image config fields Berth uses (capitalised as in the JSON). */
export interface ImageConfigFile {
  architecture?: string;
  os?: string;
  variant?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    StopSignal?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, unknown> | null;
    Volumes?: Record<string, unknown> | null;
  };
  rootfs: { type: string; diff_ids: string[] };
}

const fail = (what: string, why: string, code = Code.FailedPrecondition): BerthError => new BerthError(code, 'image', `${what}: ${why}`);

function json(body: Buffer, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* below */
  }
  throw fail(what, 'is not a JSON object', Code.DataLoss);
}

function descriptor(v: unknown, what: string): Descriptor {
  const d = v as Partial<Descriptor> | null;
  if (!d || typeof d.digest !== 'string' || typeof d.size !== 'number' || typeof d.mediaType !== 'string') throw fail(what, 'has an invalid descriptor');
  if (!SHA256_RE.test(d.digest)) throw fail(what, `descriptor digest "${d.digest}" is not sha256`);
  if (!Number.isSafeInteger(d.size) || d.size < 0) throw fail(what, `descriptor ${d.digest} has an invalid size`);
  const p = d.platform;
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(p && typeof p.os === 'string' && typeof p.architecture === 'string'
      ? { platform: { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' && p.variant ? { variant: p.variant } : {}) } }
      : {}),
  };
}

/** `headerType` is the Content-Type the registry sent; the body's own mediaType wins. */
export function parseManifest(body: Buffer, headerType: string, what: string): ParsedManifest {
  const m = json(body, what);
  const mediaType = typeof m.mediaType === 'string' ? m.mediaType : headerType;
  if (m.schemaVersion === 1 || mediaType === MediaTypes.dockerSchema1 || mediaType === MediaTypes.dockerSchema1Signed) {
    throw fail(what, 'is a Docker schema 1 manifest, which is deprecated and not supported; push it again with a current client (schema 2 or OCI)');
  }
  if (Array.isArray(m.manifests) && mediaType !== MediaTypes.ociManifest && mediaType !== MediaTypes.dockerManifest) {
    return { kind: 'index', manifests: m.manifests.map((d) => descriptor(d, what)) };
  }
  if (typeof m.config === 'object' && Array.isArray(m.layers)) {
    const config = descriptor(m.config, what);
    const layers = m.layers.map((d) => descriptor(d, what));
    for (const l of layers) {
      if (!LAYER_TYPES.has(l.mediaType)) throw fail(what, `layer ${l.digest} has media type "${l.mediaType}", which is not a container image layer`);
    }
    return { kind: 'manifest', config, layers };
  }
  throw fail(what, `is not an image manifest or index (media type "${mediaType}")`);
}

const ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips64el: 'mips64le' };

export function hostPlatform(): Platform {
  const architecture = ARCH[process.arch] ?? process.arch;
  if (architecture === 'arm') {
    const v = (process.config.variables as Record<string, unknown>).arm_version;
    return { os: 'linux', architecture, variant: `v${typeof v === 'string' || typeof v === 'number' ? v : '7'}` };
  }
  return { os: 'linux', architecture, ...(architecture === 'arm64' ? { variant: 'v8' } : {}) };
}

/** How well an entry suits `want`: higher is better, undefined is unusable. */
function score(p: Platform | undefined, want: Platform): number | undefined {
  if (!p || p.os !== want.os || p.architecture !== want.architecture) return undefined;
  if (!p.variant) return 1;
  if (p.variant === want.variant) return 100;
  // Older ARM variants run on newer cores (v7 runs v6 and v5).
  const have = /^v(\d+)$/.exec(p.variant);
  const host = /^v(\d+)$/.exec(want.variant ?? '');
  if (want.architecture === 'arm64' && !want.variant && p.variant === 'v8') return 100;
  if (have && host && Number(have[1]) < Number(host[1])) return 10 + Number(have[1]);
  return undefined;
}

export function choosePlatform(manifests: readonly Descriptor[], want: Platform, what: string): Descriptor {
  let best: Descriptor | undefined;
  let bestScore = 0;
  for (const d of manifests) {
    const s = score(d.platform, want);
    if (s !== undefined && s > bestScore) {
      best = d;
      bestScore = s;
    }
  }
  if (best) return best;
  const have = manifests.map((d) => (d.platform ? [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join('/') : '?')).join(', ');
  const w = [want.os, want.architecture, want.variant].filter(Boolean).join('/');
  throw new BerthError(Code.NotFound, 'image', `${what}: no image for ${w} (the index has: ${have || 'nothing'})`);
}

export function parseConfig(body: Buffer, layerCount: number, what: string): ImageConfigFile {
  const c = json(body, what) as unknown as ImageConfigFile;
  const ids = c.rootfs?.diff_ids;
  if (!Array.isArray(ids) || !ids.every((d) => typeof d === 'string' && SHA256_RE.test(d))) throw fail(what, 'has no valid rootfs.diff_ids');
  if (ids.length !== layerCount) throw fail(what, `lists ${ids.length} diff_ids for ${layerCount} layers`);
  return c;
}

/** chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}`);
  }
  return out;
}

/** `uid`/`username` as CRI reports them from USER ("1002", "name", "1002:100", "name:group"). */
export function userOf(user: string | undefined): { uid?: bigint; username: string } {
  const u = (user ?? '').split(':')[0] ?? '';
  if (u === '') return { username: '' };
  if (/^\d+$/.test(u)) return { uid: BigInt(u), username: '' };
  return { username: u };
}
