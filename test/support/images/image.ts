// Image config + manifest (and index) assembly on top of cached layers.
// Config and manifest JSON are built with a fixed key order and a fixed
// "created" time, so the same spec always yields the same digests.
import { buildLayer, type LayerBlob } from './layer.js';
import { DEFAULT_IMAGE_DIR, initStore, putBlob } from './store.js';
import {
  MediaType,
  type BuiltImage,
  type BuiltLayer,
  type BuiltManifest,
  type Compression,
  type Descriptor,
  type Flavour,
  type ImageSpec,
  type IndexSpec,
  type Platform,
} from './types.js';

const EPOCH = '1970-01-01T00:00:00Z';
const AMD64: Platform = { os: 'linux', architecture: 'amd64' };

function layerMediaType(flavour: Flavour, c: Compression): string {
  if (flavour === 'oci') return c === 'gzip' ? MediaType.ociLayerGzip : c === 'zstd' ? MediaType.ociLayerZstd : MediaType.ociLayer;
  if (c === 'zstd') throw new Error('image: Docker schema 2 has no zstd layer media type; use flavour "oci"');
  return c === 'gzip' ? MediaType.dockerLayerGzip : MediaType.dockerLayer;
}

function configJson(spec: Omit<ImageSpec, 'repo' | 'tag'>, platform: Platform, layers: LayerBlob[]): Buffer {
  const config = {
    created: EPOCH,
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    config: spec.config ?? {},
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: spec.layers.map((l, i) => ({ created: EPOCH, created_by: l.createdBy ?? `berth test layer ${i + 1}` })),
  };
  return Buffer.from(JSON.stringify(config));
}

async function buildManifest(storeDir: string, spec: Omit<ImageSpec, 'repo' | 'tag'>): Promise<BuiltManifest> {
  const flavour = spec.flavour ?? 'oci';
  const platform = spec.platform ?? AMD64;
  const blobs = await Promise.all(spec.layers.map((l) => buildLayer(storeDir, l)));
  const layers: BuiltLayer[] = blobs.map((b) => ({
    mediaType: layerMediaType(flavour, b.compression),
    digest: b.digest,
    size: b.size,
    diffId: b.diffId,
    uncompressedSize: b.uncompressedSize,
    compression: b.compression,
  }));
  const cfg = await putBlob(storeDir, configJson(spec, platform, blobs));
  const config: Descriptor = { mediaType: flavour === 'oci' ? MediaType.ociConfig : MediaType.dockerConfig, ...cfg };
  const mediaType = flavour === 'oci' ? MediaType.ociManifest : MediaType.dockerManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType,
    config,
    layers: layers.map(({ mediaType: m, digest, size }) => ({ mediaType: m, digest, size })),
  };
  const m = await putBlob(storeDir, Buffer.from(JSON.stringify(manifest)));
  const distinct = new Map(layers.map((l) => [l.digest, l.size]));
  let totalSize = m.size + config.size;
  for (const size of distinct.values()) totalSize += size;
  return { descriptor: { mediaType, ...m }, config, imageId: config.digest, layers, platform, totalSize };
}

/** Build (or reuse from storeDir's caches) a single-platform image. */
export async function buildImage(spec: ImageSpec, storeDir: string = DEFAULT_IMAGE_DIR): Promise<BuiltImage> {
  await initStore(storeDir);
  const m = await buildManifest(storeDir, spec);
  return {
    repo: spec.repo,
    tag: spec.tag ?? 'latest',
    storeDir,
    kind: 'manifest',
    mediaType: m.descriptor.mediaType,
    digest: m.descriptor.digest,
    size: m.descriptor.size,
    imageId: m.imageId,
    config: m.config,
    layers: m.layers,
    manifests: [m],
    totalSize: m.totalSize,
  };
}

/** Build an OCI image index (or Docker manifest list) over per-platform images. */
export async function buildIndex(spec: IndexSpec, storeDir: string = DEFAULT_IMAGE_DIR): Promise<BuiltImage> {
  await initStore(storeDir);
  const children: BuiltManifest[] = [];
  for (const child of spec.manifests) {
    if (!child.platform) throw new Error('image: every index entry needs a platform');
    const m = await buildManifest(storeDir, child);
    children.push({ ...m, descriptor: { ...m.descriptor, platform: m.platform } });
  }
  const mediaType = (spec.flavour ?? 'oci') === 'oci' ? MediaType.ociIndex : MediaType.dockerManifestList;
  const index = { schemaVersion: 2, mediaType, manifests: children.map((c) => c.descriptor) };
  const ix = await putBlob(storeDir, Buffer.from(JSON.stringify(index)));
  const main = children.find((c) => c.platform.os === 'linux' && c.platform.architecture === 'amd64') ?? children[0];
  if (!main) throw new Error('image: an index needs at least one manifest');
  const sizes = new Map<string, number>();
  for (const c of children) {
    sizes.set(c.descriptor.digest, c.descriptor.size);
    sizes.set(c.config.digest, c.config.size);
    for (const l of c.layers) sizes.set(l.digest, l.size);
  }
  let totalSize = ix.size;
  for (const size of sizes.values()) totalSize += size;
  return {
    repo: spec.repo,
    tag: spec.tag ?? 'latest',
    storeDir,
    kind: 'index',
    mediaType,
    digest: ix.digest,
    size: ix.size,
    imageId: main.imageId,
    config: main.config,
    layers: main.layers,
    manifests: children,
    totalSize,
  };
}
