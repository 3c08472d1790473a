// Image references as the kubelet sends them, parsed and normalised with the
// Docker conventions (the grammar of distribution/reference): `busybox` is
// `docker.io/library/busybox:latest`. Pure; errors are InvalidArgument.
import { invalidArgument } from '../util/errors.js';

export interface ImageReference {
  /** Registry host[:port], normalised (`docker.io`, never `index.docker.io`). */
  domain: string;
  /** Repository path inside the registry (`library/busybox`). */
  path: string;
  tag?: string;
  /** `sha256:<64 hex>` */
  digest?: string;
}

export const DOCKER_DOMAIN = 'docker.io';
const LEGACY_DOCKER_DOMAINS = new Set(['index.docker.io', 'registry-1.docker.io']);
const MAX_NAME = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
export const SHA256_RE = /^sha256:[0-9a-f]{64}$/;

const bad = (ref: string, why: string): Error => invalidArgument('image', `invalid image reference "${ref}": ${why}`);

/** Parses any reference form; the result is normalised but may lack a tag. */
export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  if (ref === '') throw bad(input, 'empty');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw bad(input, `"${digest}" is not a digest (algorithm:hex)`);
    if (!digest.startsWith('sha256:')) throw bad(input, `digest algorithm "${digest.split(':')[0]}" is not supported (only sha256)`);
    if (!SHA256_RE.test(digest)) throw bad(input, 'a sha256 digest is 64 lowercase hex digits');
  }
  // A tag is after the last ':' that follows the last '/' (a ':' before it is a port).
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw bad(input, `"${tag}" is not a valid tag`);
  }
  if (rest === '') throw bad(input, 'no repository name');
  if (rest.length > MAX_NAME) throw bad(input, `repository name longer than ${MAX_NAME} characters`);
  const { domain, path } = splitDomain(rest);
  if (!DOMAIN_RE.test(domain)) throw bad(input, `"${domain}" is not a registry host`);
  for (const c of path.split('/')) {
    if (c === '') throw bad(input, 'empty path component');
    if (!PATH_COMPONENT_RE.test(c)) {
      throw bad(input, /[A-Z]/.test(c) ? 'repository name must be lowercase' : `"${c}" is not a valid repository path component`);
    }
  }
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  // The first component is a registry only if it looks like a host.
  if (slash < 0 || (!first.includes('.') && !first.includes(':') && first !== 'localhost' && first.toLowerCase() === first)) {
    const path = slash < 0 ? `library/${name}` : name;
    return { domain: DOCKER_DOMAIN, path };
  }
  let domain = first;
  let path = name.slice(slash + 1);
  if (LEGACY_DOCKER_DOMAINS.has(domain)) domain = DOCKER_DOMAIN;
  if (domain === DOCKER_DOMAIN && !path.includes('/')) path = `library/${path}`;
  return { domain, path };
}

/**
 * The reference a pull resolves: a digest wins over a tag (`name:tag@digest`
 * is pulled by digest, as containerd does); neither means `:latest`.
 */
export function pullReference(input: string): ImageReference {
  const r = parseReference(input);
  if (r.digest) return { domain: r.domain, path: r.path, digest: r.digest };
  return { domain: r.domain, path: r.path, tag: r.tag ?? 'latest' };
}

/** `docker.io/library/busybox` */
export function repositoryOf(r: Pick<ImageReference, 'domain' | 'path'>): string {
  return `${r.domain}/${r.path}`;
}

/** The full normalised string: `repo:tag`, `repo@digest` or `repo:tag@digest`. */
export function formatReference(r: ImageReference): string {
  return `${repositoryOf(r)}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** `docker.io/library/busybox:latest` for a tag. */
export function tagRef(r: Pick<ImageReference, 'domain' | 'path'>, tag: string): string {
  return `${repositoryOf(r)}:${tag}`;
}

/** `docker.io/library/busybox@sha256:…` */
export function digestRef(r: Pick<ImageReference, 'domain' | 'path'>, digest: string): string {
  return `${repositoryOf(r)}@${digest}`;
}

/** A bare image id: `sha256:<hex>` or 64 hex digits, normalised to `sha256:<hex>`; else undefined. */
export function asImageId(input: string): string | undefined {
  const s = input.trim();
  if (SHA256_RE.test(s)) return s;
  if (/^[0-9a-f]{64}$/.test(s)) return `sha256:${s}`;
  return undefined;
}

/** Host of the API endpoint serving a registry domain (docker.io is served elsewhere). */
export function registryApiHost(domain: string): string {
  return domain === DOCKER_DOMAIN ? 'registry-1.docker.io' : domain;
}
