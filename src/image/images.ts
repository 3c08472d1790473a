// The image subsystem's face: pull, list, status, remove, filesystem usage,
// and what containers need (resolveImage → config and overlay lower dirs).
// Lists and statuses come from memory; record changes and garbage collection
// are serialised by one lock.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BerthConfig } from '../config/schema.js';
import { ensureDir } from '../store/atomic-file.js';
import { BerthError, Code } from '../util/errors.js';
import { failpoint } from '../util/failpoint.js';
import { parseQuantity } from '../util/quantity.js';
import type { Logger } from '../util/log.js';
import { ContentStore } from './content-store.js';
import { CachedUsage, type Usage } from './disk-usage.js';
import { ImageStore, type ImageRecord } from './image-store.js';
import { LayerStore } from './layer-store.js';
import { imageLayout, type ImageLayout } from './layout.js';
import { hostPlatform, type ImageConfigFile, type Platform } from './manifest.js';
import { pullImage, type PullDeps } from './pull.js';
import { PullProgressRegistry, type PullTracker } from './pull-progress.js';
import { asImageId, digestRef, formatReference, parseReference, pullReference, tagRef } from './reference.js';
import { credentialsFrom, type AuthFields } from './registry/credentials.js';
import { RegistryClient } from './registry/repository.js';
import type { RetryPolicy } from './registry/retry.js';
import type { Timeouts } from './registry/transport.js';

/**
 * Implemented by the container subsystem: the images its containers are
 * built on. Their layers are never freed; removing such an image only
 * removes its names until the last container using it is gone.
 */
export interface LayerUsers {
  imagesInUse(): Iterable<string>;
  /** Images mounted as image volumes, and by which container: those cannot be removed at all. */
  imageVolumeUsers?(): Iterable<{ imageId: string; container: string }>;
}

/** What a container needs from its image (matches src/container/deps.ts ImageView). */
export interface ImageView {
  id: string;
  /** A repo digest when known, else the id (ContainerStatus.image_ref). */
  ref: string;
  config: NonNullable<ImageConfigFile['config']>;
  /** Overlay lower directories, top-most layer first. */
  lowerDirs: string[];
}

export interface FsUsage {
  mountpoint: string;
  usage: Usage;
}

export interface ImagesOptions {
  config: BerthConfig;
  log: Logger;
  platform?: Platform;
  timeouts?: Timeouts;
  retry?: RetryPolicy;
}

export class Images {
  readonly layout: ImageLayout;
  private readonly content: ContentStore;
  private readonly layers: LayerStore;
  private readonly store: ImageStore;
  private readonly registry: RegistryClient;
  private readonly pullDeps: PullDeps;
  private readonly configs = new Map<string, ImageConfigFile>();
  private readonly progress = new PullProgressRegistry();
  private readonly users: LayerUsers[] = [];
  private readonly containerUsage: CachedUsage;
  private lock: Promise<unknown> = Promise.resolve();
  private pulling = 0;
  private gcPending = false;

  constructor(private readonly o: ImagesOptions) {
    this.layout = imageLayout(o.config.storage.root);
    this.content = new ContentStore(this.layout.blobs);
    const minFree = o.config.image.min_free_space;
    this.layers = new LayerStore(this.layout.layers, this.layout.tmp, 3, minFree === '' ? undefined : parseQuantity(minFree));
    this.store = new ImageStore(this.layout.images);
    const authFiles = [...new Set([o.config.image.auth_file, '/root/.docker/config.json'].filter(Boolean))];
    this.registry = new RegistryClient({
      registries: () => o.config.image.registries,
      authFiles,
      ...(o.timeouts ? { timeouts: o.timeouts } : {}),
      ...(o.retry ? { retry: o.retry } : {}),
      onFallback: (ep, e) => o.log.info('registry mirror failed, trying the next endpoint', { mirror: ep.host, error: e instanceof Error ? e.message : String(e) }),
    });
    this.pullDeps = { registry: this.registry, content: this.content, layers: this.layers, platform: o.platform ?? hostPlatform(), configsInFlight: new Map() };
    this.containerUsage = new CachedUsage(join(o.config.storage.root, 'containers'));
  }

  /** Loads what is on disk and clears what a crash left half done. Call collectGarbage() once LayerUsers are registered. */
  async init(): Promise<void> {
    await ensureDir(this.layout.dir, 0o711);
    await ensureDir(this.layout.tmp);
    for (const name of await readdir(this.layout.tmp)) await rm(join(this.layout.tmp, name), { recursive: true, force: true });
    const discard = (what: string, why = 'discarded'): void => this.o.log.warn('image store repair', { what, why });
    await this.content.init();
    await this.layers.init(discard);
    await this.store.load(
      (r) => r.layers.every((l) => this.layers.get(l.chainId)) && r.blobs.every((b) => this.content.has(b)),
      (id, why) => discard(`image ${id}`, why),
    );
    this.o.log.info('images loaded', { images: this.store.list().length, layers: [...this.layers.all()].length });
  }

  addLayerUsers(u: LayerUsers): void {
    this.users.push(u);
  }

  /** Pulls `image` (any reference form); returns its record. */
  async pull(image: string, auth?: AuthFields, signal?: AbortSignal): Promise<ImageRecord> {
    const ref = pullReference(image);
    this.pulling++;
    const tracker = this.progress.begin(formatReference(ref));
    try {
      const res = await pullImage(this.pullDeps, ref, credentialsFrom(auth), signal, tracker).catch((e: unknown) => {
        // Layers and blobs a failed pull completed are named by no image: nobody sees or removes them. Freed once no pull runs.
        this.gcPending = true;
        throw e;
      });
      this.configs.set(res.id, res.config);
      return await this.locked(async () => {
        const old = this.store.get(res.id);
        const keep = old && !old.removed ? old : undefined;
        const rec: ImageRecord = {
          id: res.id,
          repoTags: uniq([...(keep?.repoTags ?? []), ...(ref.tag !== undefined ? [tagRef(ref, ref.tag)] : [])]),
          repoDigests: uniq([...(keep?.repoDigests ?? []), digestRef(ref, res.topDigest)]),
          manifestDigest: res.manifestDigest,
          blobs: uniq([...(old?.blobs ?? []), ...res.blobs]),
          layers: res.layers,
          size: res.size,
          user: res.config.config?.User ?? '',
          pulledAt: Date.now(),
        };
        failpoint('image.before-record');
        await this.store.put(rec);
        return rec;
      });
    } finally {
      this.progress.end(tracker);
      this.pulling--;
      // Awaited: a failed pull answers once what it left is freed.
      if (this.pulling === 0 && this.gcPending) await this.collectGarbage().catch((e: unknown) => this.o.log.warn('image gc failed', { error: String(e) }));
    }
  }

  /** The pull of `image` in flight now (reference normalised as pull() does), or undefined; InvalidArgument for a bad reference. */
  pullTracker(image: string): PullTracker | undefined {
    return this.progress.get(formatReference(pullReference(image)));
  }

  /** Visible images; with a filter, the image it names (id, tag or digest reference). */
  list(filter?: string): ImageRecord[] {
    if (!filter) return this.store.list();
    const r = this.store.resolve(filter);
    return r ? [r] : [];
  }

  /** Changes whenever any image record changes. */
  get generation(): number {
    return this.store.generation;
  }

  status(ref: string): ImageRecord | undefined {
    return this.store.resolve(ref);
  }

  async configOf(id: string): Promise<ImageConfigFile> {
    const cached = this.configs.get(id);
    if (cached) return cached;
    const body = await this.content.get(id);
    if (!body) throw new BerthError(Code.DataLoss, 'storage', `config blob ${id} is missing from ${this.layout.blobs}`);
    const c = JSON.parse(body.toString('utf8')) as ImageConfigFile;
    this.configs.set(id, c);
    return c;
  }

  /**
   * Removes by id, tag or digest reference; idempotent (the CRI contract).
   * A tag of an image with several tags is only untagged.
   */
  async remove(ref: string): Promise<void> {
    await this.locked(async () => {
      const r = this.store.resolve(ref);
      if (!r) return;
      const tag = asTag(ref);
      if (tag && r.repoTags.includes(tag) && r.repoTags.length > 1) {
        await this.store.put({ ...r, repoTags: r.repoTags.filter((t) => t !== tag) });
        return;
      }
      for (const u of this.users) {
        for (const v of u.imageVolumeUsers?.() ?? []) {
          if (v.imageId === r.id) throw new BerthError(Code.FailedPrecondition, 'image', `image "${ref}" (${r.id}) is mounted as an image volume by container ${v.container}: remove the container first`);
        }
      }
      if (this.inUse().has(r.id)) await this.store.put({ ...r, repoTags: [], repoDigests: [], removed: true });
      else {
        await this.store.delete(r.id);
        this.configs.delete(r.id);
      }
      this.gcPending = true;
      failpoint('image.remove.after-untag');
    });
    if (this.gcPending) await this.collectGarbage();
  }

  /** Frees layers and blobs no image and no container needs. Deferred while pulls run. */
  async collectGarbage(): Promise<{ layers: number; blobs: number; images: number }> {
    return this.locked(async () => {
      const freed = { layers: 0, blobs: 0, images: 0 };
      if (this.pulling > 0) {
        this.gcPending = true;
        return freed;
      }
      this.gcPending = false;
      const inUse = this.inUse();
      for (const r of [...this.store.all()]) {
        if (r.removed && !inUse.has(r.id)) {
          await this.store.delete(r.id);
          this.configs.delete(r.id);
          freed.images++;
        }
      }
      const keepLayers = new Set<string>();
      const keepBlobs = new Set<string>();
      for (const r of this.store.all()) {
        for (const l of r.layers) keepLayers.add(l.chainId);
        for (const b of r.blobs) keepBlobs.add(b);
      }
      for (const l of [...this.layers.all()]) {
        if (keepLayers.has(l.chainId) || this.layers.isBusy(l.chainId)) continue;
        await this.layers.remove(l.chainId);
        failpoint('image.gc.mid');
        freed.layers++;
      }
      for (const d of this.content.digests()) {
        if (keepBlobs.has(d)) continue;
        await this.content.delete(d);
        freed.blobs++;
      }
      if (freed.layers + freed.blobs + freed.images > 0) this.o.log.info('image gc', freed);
      return freed;
    });
  }

  /** ImageFsInfo: the image store (tracked, no walk) and the containers' writable layers (walked, cached). */
  /**
   * ImageFsInfo's filesystems. One when the image store and the containers'
   * writable layers (<root>/containers) are on one device (st_dev), reported
   * at the storage root with both usages added: the kubelet then runs one
   * eviction for both, as on containerd. Two, each at its own directory, only
   * when they really are different filesystems.
   */
  async fsInfo(): Promise<{ image: FsUsage; containers?: FsUsage }> {
    let bytes = this.content.totalBytes();
    let inodes = this.content.count;
    for (const l of this.layers.all()) {
      bytes += l.usedBytes;
      inodes += l.inodes;
    }
    const root = this.o.config.storage.root;
    const containersDir = join(root, 'containers');
    const [rootDev, imageDev, containersDev, containers] = await Promise.all([
      deviceOf(root),
      deviceOf(this.layout.dir),
      deviceOf(containersDir),
      this.containerUsage.get(),
    ]);
    // A directory not made yet lives on its parent's filesystem: the root's.
    const imgDev = imageDev ?? rootDev;
    const ctrDev = containersDev ?? rootDev;
    if (imgDev === ctrDev) {
      return { image: { mountpoint: imgDev === rootDev ? root : this.layout.dir, usage: { bytes: bytes + containers.bytes, inodes: inodes + containers.inodes } } };
    }
    return {
      image: { mountpoint: this.layout.dir, usage: { bytes, inodes } },
      containers: { mountpoint: containersDir, usage: containers },
    };
  }

  /** For containers: the image a reference or id names (also one kept only for containers, by id). */
  async resolveImage(ref: string): Promise<ImageView> {
    const id = asImageId(ref);
    const r = this.store.resolve(ref) ?? (id ? this.store.get(id) : undefined);
    if (!r) throw new BerthError(Code.NotFound, 'image', `image "${ref}" is not present; pull it first`);
    const config = (await this.configOf(r.id)).config ?? {};
    return { id: r.id, ref: r.repoDigests[0] ?? r.id, config, lowerDirs: this.lowerDirsOf(r) };
  }

  /** Overlay lower dirs of an image, top-most first; undefined when the image is not present. */
  lowerDirsFor(ref: string): string[] | undefined {
    const r = this.store.resolve(ref);
    return r ? this.lowerDirsOf(r) : undefined;
  }

  private lowerDirsOf(r: ImageRecord): string[] {
    return r.layers.map((l) => this.layers.diffDir(l.chainId)).reverse();
  }

  private inUse(): Set<string> {
    const s = new Set<string>();
    for (const u of this.users) for (const id of u.imagesInUse()) s.add(id);
    return s;
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** The normalised tag reference `ref` names, if it is one (not an id, not a digest). */
function asTag(ref: string): string | undefined {
  if (asImageId(ref)) return undefined;
  try {
    const p = parseReference(ref);
    return p.digest ? undefined : tagRef(p, p.tag ?? 'latest');
  } catch {
    return undefined;
  }
}

/** st_dev of a path; undefined when it does not exist. */
async function deviceOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).dev;
  } catch {
    return undefined;
  }
}
