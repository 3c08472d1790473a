// Shapes shared by the image builder, the pusher and the tests.
import type { TarEntry } from './tar.js';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export type Compression = 'gzip' | 'zstd' | 'none';
/** Which family of media types the manifest, config and layers use. */
export type Flavour = 'oci' | 'docker';

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

export type LayerSource =
  | { entries: readonly TarEntry[] }
  | { tar: Buffer }
  /** An uncompressed tar on disk, used as is. */
  | { tarFile: string }
  /** A directory tree, archived by GNU tar with fixed mtimes and owner 0. */
  | { dir: string };

export interface LayerSpec {
  source: LayerSource;
  compression?: Compression; // default gzip
  /** Replaces the computed cache key (e.g. for a big directory known not to change). */
  cacheKey?: string;
  /** history[].created_by in the config. */
  createdBy?: string;
}

/** The image config's "config" object (Docker/OCI capitalised field names). */
export interface ImageConfigSpec {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface ImageSpec {
  repo: string;
  tag?: string; // default "latest"
  layers: LayerSpec[];
  config?: ImageConfigSpec;
  flavour?: Flavour; // default oci
  platform?: Platform; // default linux/amd64
}

export interface IndexSpec {
  repo: string;
  tag?: string;
  /** oci: OCI image index; docker: Docker manifest list. */
  flavour?: Flavour;
  /** Each child needs its platform; repo/tag of children are ignored. */
  manifests: Omit<ImageSpec, 'repo' | 'tag'>[];
}

export interface BuiltLayer extends Descriptor {
  /** sha256 of the uncompressed tar: the config's rootfs.diff_ids entry. */
  diffId: string;
  uncompressedSize: number;
  compression: Compression;
}

export interface BuiltManifest {
  /** The manifest blob itself (platform set when it is an index entry). */
  descriptor: Descriptor;
  config: Descriptor;
  /** = config.digest, what runtimes report as the image id. */
  imageId: string;
  layers: BuiltLayer[];
  platform: Platform;
  /** Manifest + config + compressed layers. */
  totalSize: number;
}

export interface BuiltImage {
  repo: string;
  tag: string;
  /** Where every blob of this image lives, as blobs/sha256/<hex> beneath. */
  storeDir: string;
  kind: 'manifest' | 'index';
  /** What the tag resolves to: the manifest or the index. */
  mediaType: string;
  digest: string;
  size: number;
  /** The linux/amd64 image (for an index: that entry, else the first). */
  imageId: string;
  config: Descriptor;
  layers: BuiltLayer[];
  /** The image itself, or each index entry in order. */
  manifests: BuiltManifest[];
  /** Sum of distinct blob sizes, index included. */
  totalSize: number;
}
