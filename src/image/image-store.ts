// Image records: in memory (the List/Status answers, with name and id
// indexes) and on disk (RecordStore, one JSON file per image id). A record
// is written only once everything it names exists (layers, blobs).
import { RecordStore } from '../store/record-store.js';
import { asImageId, digestRef, parseReference, tagRef } from './reference.js';
import { hexOf } from './layout.js';

export interface ImageLayerRef {
  chainId: string;
  diffId: string;
  digest: string;
  size: number;
}

export interface ImageRecord {
  /** The config digest. */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** The manifest actually unpacked (for an index: the platform's entry). */
  manifestDigest: string;
  /** Blobs this image keeps in the content store: index?, manifest, config. */
  blobs: string[];
  /** Bottom to top. */
  layers: ImageLayerRef[];
  /** Manifest(s) + config + compressed layers, as containerd reports it. */
  size: number;
  /** The config's USER. */
  user: string;
  pulledAt: number;
  /** Untagged while a container still uses it: kept for that container, invisible otherwise. */
  removed?: boolean;
}

export class ImageStore {
  private readonly byId = new Map<string, ImageRecord>();
  /** Tag refs and digest refs → id. */
  private readonly byName = new Map<string, string>();
  private readonly disk: RecordStore<ImageRecord>;
  /** Bumped on every change: answers derived from the records can be cached by it. */
  generation = 0;

  constructor(dir: string) {
    this.disk = new RecordStore<ImageRecord>(dir);
  }

  async load(keep: (r: ImageRecord) => boolean, onDiscard: (id: string, why: string) => void): Promise<void> {
    await this.disk.init();
    const { records, corrupt } = await this.disk.loadAll();
    for (const id of corrupt) {
      onDiscard(id, 'corrupt record');
      await this.disk.delete(id);
    }
    for (const [file, r] of records) {
      if (!r.id || hexOf(r.id) !== file || !keep(r)) {
        onDiscard(file, 'incomplete image (layers or blobs missing)');
        await this.disk.delete(file);
        continue;
      }
      this.index(r);
    }
  }

  get(id: string): ImageRecord | undefined {
    return this.byId.get(id);
  }

  /** Visible images (not the ones only kept for containers). */
  list(): ImageRecord[] {
    const out: ImageRecord[] = [];
    for (const r of this.byId.values()) if (!r.removed) out.push(r);
    return out;
  }

  all(): IterableIterator<ImageRecord> {
    return this.byId.values();
  }

  /** By id (full, bare hex or unique prefix), tag reference or digest reference. */
  resolve(ref: string): ImageRecord | undefined {
    const id = asImageId(ref);
    if (id) {
      const r = this.byId.get(id);
      return r && !r.removed ? r : undefined;
    }
    let named: string | undefined;
    try {
      const p = parseReference(ref);
      named = this.byName.get(p.digest ? digestRef(p, p.digest) : tagRef(p, p.tag ?? 'latest'));
    } catch {
      /* not a reference: maybe an id prefix */
    }
    if (named) return this.byId.get(named);
    const m = /^(?:sha256:)?([0-9a-f]{3,63})$/.exec(ref.trim());
    if (!m?.[1]) return undefined;
    const prefix = `sha256:${m[1]}`;
    let found: ImageRecord | undefined;
    for (const r of this.byId.values()) {
      if (r.removed || !r.id.startsWith(prefix)) continue;
      if (found) return undefined; // ambiguous
      found = r;
    }
    return found;
  }

  /** Which image a tag or digest reference names right now. */
  idForName(name: string): string | undefined {
    return this.byName.get(name);
  }

  /**
   * Stores `r`, taking its names away from any other image that held them
   * (a tag moves to the newly pulled image). Returns the records that changed.
   */
  async put(r: ImageRecord): Promise<void> {
    for (const name of [...r.repoTags]) {
      const other = this.byName.get(name);
      if (other && other !== r.id) {
        const o = this.byId.get(other);
        if (o) await this.write({ ...o, repoTags: o.repoTags.filter((t) => t !== name) });
      }
    }
    await this.write(r);
  }

  async delete(id: string): Promise<void> {
    const r = this.byId.get(id);
    if (!r) return;
    await this.disk.delete(hexOf(id));
    this.unindex(r);
  }

  private async write(r: ImageRecord): Promise<void> {
    await this.disk.put(hexOf(r.id), r);
    const old = this.byId.get(r.id);
    if (old) this.unindex(old);
    this.index(r);
  }

  private index(r: ImageRecord): void {
    this.generation++;
    this.byId.set(r.id, r);
    for (const n of [...r.repoTags, ...r.repoDigests]) this.byName.set(n, r.id);
  }

  private unindex(r: ImageRecord): void {
    this.generation++;
    this.byId.delete(r.id);
    for (const n of [...r.repoTags, ...r.repoDigests]) if (this.byName.get(n) === r.id) this.byName.delete(n);
  }
}
