// Where the image subsystem keeps things under --root:
//   <root>/image/blobs/sha256/<hex>      manifests, indexes, configs (verified)
//   <root>/image/layers/<chain hex>/diff  one extracted layer, shared by chain ID
//   <root>/image/layers/<chain hex>/layer.json
//   <root>/image/images/<id hex>.json     image records (RecordStore)
//   <root>/image/tmp/                     extractions and deletions in progress;
//                                         emptied on start (crash leftovers)
import { join } from 'node:path';

export interface ImageLayout {
  dir: string;
  blobs: string;
  layers: string;
  images: string;
  tmp: string;
}

export function imageLayout(root: string): ImageLayout {
  const dir = join(root, 'image');
  return { dir, blobs: join(dir, 'blobs', 'sha256'), layers: join(dir, 'layers'), images: join(dir, 'images'), tmp: join(dir, 'tmp') };
}

/** "sha256:<hex>" → "<hex>" (callers validated the digest). */
export function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}
