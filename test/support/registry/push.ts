// Push built images into a registry: blobs first, then manifests (an
// index's children by digest before the index itself by tag), as the
// registry refuses manifests whose references it does not hold.
import { readFile } from 'node:fs/promises';
import { blobPath, DEFAULT_IMAGE_DIR } from '../images/store.js';
import { buildStandardImages, STANDARD_IMAGES, type StandardImages } from '../images/standard.js';
import type { BuiltImage, BuiltManifest } from '../images/types.js';
import { RegistryClient, type Credentials } from './client.js';

async function pushManifest(client: RegistryClient, repo: string, storeDir: string, m: BuiltManifest, ref: string): Promise<void> {
  const blobs = [m.config, ...m.layers];
  await Promise.all(
    blobs.map(async (b) => {
      if (await client.hasBlob(repo, b.digest)) return;
      await client.uploadBlob(repo, b.digest, { file: blobPath(storeDir, b.digest) });
    }),
  );
  await client.putManifest(repo, ref, m.descriptor.mediaType, await readFile(blobPath(storeDir, m.descriptor.digest)));
}

/** Push `image` as repo:tag; returns the digest the tag now resolves to. */
export async function pushImage(registryUrl: string, repo: string, tag: string, image: BuiltImage, creds?: Credentials): Promise<{ digest: string }> {
  const client = new RegistryClient(registryUrl, creds);
  if (image.kind === 'manifest') {
    const [m] = image.manifests;
    if (!m) throw new Error('registry: image without manifest');
    await pushManifest(client, repo, image.storeDir, m, tag);
  } else {
    for (const m of image.manifests) await pushManifest(client, repo, image.storeDir, m, m.descriptor.digest);
    await client.putManifest(repo, tag, image.mediaType, await readFile(blobPath(image.storeDir, image.digest)));
  }
  return { digest: image.digest };
}

/** Where a registry fixture can be reached, with its credentials if any. */
export interface RegistryTarget {
  url: string;
  username?: string;
  password?: string;
}

function credsOf(r: RegistryTarget): Credentials | undefined {
  return r.username !== undefined && r.password !== undefined ? { username: r.username, password: r.password } : undefined;
}

/** Build (cached) and push every standard image as <name>:latest. */
export async function seedRegistry(registry: RegistryTarget, storeDir: string = DEFAULT_IMAGE_DIR): Promise<StandardImages> {
  const images = await buildStandardImages(storeDir);
  await Promise.all(STANDARD_IMAGES.map((name) => pushImage(registry.url, images[name].repo, images[name].tag, images[name], credsOf(registry))));
  return images;
}

/** "127.0.0.1:PORT/busybox:latest" for a registry host and a built image. */
export function imageRef(host: string, image: BuiltImage): string {
  return `${host}/${image.repo}:${image.tag}`;
}
