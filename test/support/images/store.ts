// A content-addressed blob directory (the blobs/ half of an OCI layout) plus
// small JSON cache records. Every write goes to a temp file and is renamed
// into place, so concurrent test processes sharing one work dir never see a
// partial blob; identical content makes the last rename harmless.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Shared by the test suites unless BERTH_TEST_IMAGES points elsewhere. */
export const DEFAULT_IMAGE_DIR = process.env.BERTH_TEST_IMAGES ?? '/var/tmp/berth-test-images';

export function blobPath(storeDir: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  if (alg !== 'sha256' || !hex || !/^[0-9a-f]{64}$/.test(hex)) throw new Error(`image: bad digest ${digest}`);
  return path.join(storeDir, 'blobs', 'sha256', hex);
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

export async function initStore(storeDir: string): Promise<void> {
  await mkdir(path.join(storeDir, 'blobs', 'sha256'), { recursive: true });
  await mkdir(path.join(storeDir, 'tmp'), { recursive: true });
  await mkdir(path.join(storeDir, 'cache'), { recursive: true });
  const layout = path.join(storeDir, 'oci-layout');
  if (!(await exists(layout))) await atomicWrite(storeDir, layout, '{"imageLayoutVersion":"1.0.0"}');
}

export function tmpPath(storeDir: string, what: string): string {
  return path.join(storeDir, 'tmp', `${what}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

async function atomicWrite(storeDir: string, dest: string, data: Buffer | string): Promise<void> {
  const tmp = tmpPath(storeDir, 'w');
  await writeFile(tmp, data);
  await rename(tmp, dest);
}

/** Store a small blob held in memory; returns its digest and size. */
export async function putBlob(storeDir: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  const dest = blobPath(storeDir, digest);
  if (!(await exists(dest))) await atomicWrite(storeDir, dest, data);
  return { digest, size: data.length };
}

/** Move a finished temp file into the store under its digest. */
export async function adoptBlob(storeDir: string, tmp: string, digest: string): Promise<void> {
  const dest = blobPath(storeDir, digest);
  if (await exists(dest)) await rm(tmp, { force: true });
  else await rename(tmp, dest);
}

/** index.json of the OCI layout: one entry per image, named by ref. */
export async function writeLayoutIndex(storeDir: string, images: readonly { repo: string; tag: string; mediaType: string; digest: string; size: number }[]): Promise<void> {
  const manifests = images.map((i) => ({
    mediaType: i.mediaType,
    digest: i.digest,
    size: i.size,
    annotations: { 'org.opencontainers.image.ref.name': `${i.repo}:${i.tag}` },
  }));
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
  await atomicWrite(storeDir, path.join(storeDir, 'index.json'), JSON.stringify(index));
}

export async function hashFile(file: string): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const b = chunk as Buffer;
    h.update(b);
    size += b.length;
  }
  return { digest: `sha256:${h.digest('hex')}`, size };
}

export async function readCache<T>(storeDir: string, key: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path.join(storeDir, 'cache', `${key}.json`), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function writeCache(storeDir: string, key: string, value: unknown): Promise<void> {
  await atomicWrite(storeDir, path.join(storeDir, 'cache', `${key}.json`), JSON.stringify(value));
}
