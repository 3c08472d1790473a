// One pull, as a short list of steps: resolve the manifest (through an index
// to this host's platform), fetch and verify the config, make sure every
// layer is extracted (concurrently, shared with other pulls), keep the
// manifest and config blobs. Returns what the image record needs; the
// caller commits it.
import { createHash } from 'node:crypto';
import { BerthError, Code } from '../util/errors.js';
import type { ContentStore } from './content-store.js';
import type { ImageLayerRef } from './image-store.js';
import type { LayerStore } from './layer-store.js';
import type { PullTracker } from './pull-progress.js';
import { phase } from '../observe/op.js';
import { chainIds, choosePlatform, parseConfig, parseManifest, type ImageConfigFile, type Platform } from './manifest.js';
import { formatReference, type ImageReference } from './reference.js';
import type { Credentials } from './registry/credentials.js';
import type { RegistryClient, Repository } from './registry/repository.js';

const MAX_CONFIG = 32 << 20;

export interface PullDeps {
  registry: RegistryClient;
  content: ContentStore;
  layers: LayerStore;
  platform: Platform;
  /** Config fetches in flight, by digest: concurrent pulls fetch each config once. */
  configsInFlight: Map<string, Promise<Buffer>>;
}

export interface PullResult {
  id: string;
  /** What the reference resolved to (index or manifest): RepoDigests use it. */
  topDigest: string;
  manifestDigest: string;
  blobs: string[];
  layers: ImageLayerRef[];
  size: number;
  config: ImageConfigFile;
}

export async function pullImage(deps: PullDeps, ref: ImageReference, creds: Credentials | undefined, signal?: AbortSignal, tracker?: PullTracker): Promise<PullResult> {
  const name = formatReference(ref);
  const repo = deps.registry.repository(ref.domain, ref.path, creds, signal);
  const top = await repo.getManifest(ref.digest ?? ref.tag ?? 'latest');
  const blobs = new Map<string, Buffer>([[top.digest, top.body]]);
  let parsed = parseManifest(top.body, top.mediaType, `manifest of ${name}`);
  let manifestDigest = top.digest;
  if (parsed.kind === 'index') {
    const entry = choosePlatform(parsed.manifests, deps.platform, name);
    const child = await repo.getManifest(entry.digest);
    parsed = parseManifest(child.body, child.mediaType, `manifest ${entry.digest} of ${name}`);
    if (parsed.kind !== 'manifest') throw new BerthError(Code.FailedPrecondition, 'image', `${name}: an index inside an index is not supported`);
    blobs.set(child.digest, child.body);
    manifestDigest = child.digest;
  }
  const { config: configDesc, layers } = parsed;
  let pending = deps.configsInFlight.get(configDesc.digest);
  if (!pending) {
    pending = fetchConfig(deps, repo, configDesc.digest, configDesc.size, name).finally(() => deps.configsInFlight.delete(configDesc.digest));
    deps.configsInFlight.set(configDesc.digest, pending);
  }
  const configBody = await pending;
  const config = parseConfig(configBody, layers.length, `config ${configDesc.digest} of ${name}`);
  const diffIds = config.rootfs.diff_ids;
  const chain = chainIds(diffIds);
  tracker?.setLayers(layers.map((l, i) => ({ digest: l.digest, size: l.size, present: deps.layers.get(chain[i] as string) !== undefined })));

  // Settle every layer before answering, so a failed pull leaves no work running behind it.
  const settled = await Promise.allSettled(
    layers.map((l, i) => {
      // A phase per layer (traces, timeline); its bytes are what left the digest verifier.
      const attrs = { digest: l.digest, size: l.size, bytes: 0 };
      return phase('layer', deps.layers.ensure(chain[i] as string, {
        digest: l.digest,
        size: l.size,
        diffId: diffIds[i] as string,
        ...(i > 0 ? { parent: chain[i - 1] as string } : {}),
        what: `layer ${l.digest} of ${name}`,
        open: async () => {
          const body = (await repo.openBlob(l.digest)).body;
          tracker?.opened(i);
          return body;
        },
        onBytes: (n: number) => {
          attrs.bytes += n;
          tracker?.bytes(i, n);
        },
        ...(signal ? { signal } : {}),
      }).then((rec) => {
        tracker?.layerDone(i);
        return rec;
      }), { attrs });
    }),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  // Blobs last: a crash before this leaves only layers, which GC reclaims.
  for (const [digest, body] of blobs) await deps.content.put(digest, body, `manifest ${digest} of ${name}`);
  await deps.content.put(configDesc.digest, configBody, `config ${configDesc.digest} of ${name}`);

  let size = configDesc.size;
  for (const b of blobs.values()) size += b.length;
  for (const l of layers) size += l.size;
  return {
    id: configDesc.digest,
    topDigest: top.digest,
    manifestDigest,
    blobs: [...blobs.keys(), configDesc.digest],
    layers: layers.map((l, i) => ({ chainId: chain[i] as string, diffId: diffIds[i] as string, digest: l.digest, size: l.size })),
    size,
    config,
  };
}

async function fetchConfig(deps: PullDeps, repo: Repository, digest: string, size: number, name: string): Promise<Buffer> {
  const local = deps.content.has(digest) ? await deps.content.get(digest) : undefined;
  if (local) return local;
  if (size > MAX_CONFIG) throw new BerthError(Code.FailedPrecondition, 'image', `config ${digest} of ${name}: ${size} bytes is too large`);
  const body = await repo.readBlob(digest, Math.max(size, 1));
  const got = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (body.length !== size || got !== digest) {
    throw new BerthError(Code.DataLoss, 'image', `config ${digest} of ${name}: received ${body.length} bytes with digest ${got} (expected ${size} bytes); discarded`);
  }
  // Stored at once, so a concurrent pull finds it here once the fetch is no longer in flight.
  await deps.content.put(digest, body, `config ${digest} of ${name}`);
  return body;
}
