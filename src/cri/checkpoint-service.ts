// CheckpointContainer, and the first half of restoring one: CRIU through
// `runc checkpoint --leave-running`, packed in the archive layout CRI-O and
// Podman write (and checkpointctl reads):
//   checkpoint/       CRIU's images
//   config.dump       {id, name, rootfsImageName, rootfsImageRef, runtime, createdTime}
//   spec.dump         the container's OCI config.json
//   rootfs-diff.tar   the writable layer (overlay upper dir, whiteouts included)
//   deleted.files     [] (deletions travel as whiteouts inside rootfs-diff.tar)
// Restore is CreateContainer with config.image.image naming such an archive
// (CRI-O's convention). Archives are hostile input: they are extracted
// through the layer guard (no absolute names, no "..", nothing through an
// planted symlink) into a fresh directory, then checked for the files above.
// Nothing is left behind on failure: no partial archive, no work directory.
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ImageSpec, type ContainerConfig, type PodSandboxConfig } from '../api/gen/api.js';
import type { Handlers } from '../api/server.js';
import type { ContainerManager } from '../container/manager.js';
import { tarCreate, tarExtract } from '../image/unpack/gnu-tar.js';
import { TarGuard, UnsafeLayerError } from '../image/unpack/tar-guard.js';
import { criuSupport, type CriuSupport } from '../oci/criu.js';
import { BerthError, Code, errnoCode, errorMessage, failedPrecondition, invalidArgument } from '../util/errors.js';

export const ARCHIVE_FILES = ['checkpoint', 'config.dump', 'spec.dump', 'rootfs-diff.tar', 'deleted.files'] as const;

/** What config.dump holds (Podman's ContainerConfig subset, as checkpointctl reads it, plus the image id). */
export interface ConfigDump {
  id: string;
  name: string;
  rootfsImageName: string;
  rootfsImageRef: string;
  runtime: string;
  createdTime: string;
}

export interface CheckpointOptions {
  /** Work directories go under <state>/checkpoints. */
  stateDir: string;
  /** Injectable for tests; default probes `criu check` once. */
  criu?: () => Promise<CriuSupport>;
}

const DEFAULT_TIMEOUT_S = 300;

/** Pure: the archive location, or InvalidArgument naming `location`. */
export function checkLocation(location: string): string {
  if (!location) throw invalidArgument('cri', 'location is empty: name the checkpoint archive to write (/path/to/checkpoint.tar)');
  if (!location.startsWith('/')) throw invalidArgument('cri', `location "${location}" must be an absolute path`);
  if (location.includes('\0') || location.endsWith('/')) throw invalidArgument('cri', `location "${location}" must name a file`);
  return location;
}

/** CRI-O's convention: CreateContainer's image names a checkpoint archive when it is an absolute path. */
export const isArchiveReference = (image: string): boolean => image.startsWith('/');

export function checkpointHandlers(containers: ContainerManager, o: CheckpointOptions): Pick<Handlers, 'CheckpointContainer'> {
  const criu = o.criu ?? (() => criuSupport());
  return {
    CheckpointContainer: async (req) => {
      const rec = containers.resolve(req.containerId);
      const location = checkLocation(req.location);
      if (req.timeout < 0n) throw invalidArgument('cri', `timeout must not be negative (got ${req.timeout})`);
      const parent = await stat(dirname(location)).catch(() => undefined);
      if (!parent?.isDirectory()) throw invalidArgument('cri', `location "${location}": directory ${dirname(location)} does not exist`);
      if ((await stat(location).catch(() => undefined))?.isDirectory()) throw invalidArgument('cri', `location "${location}" is a directory: name the archive file`);
      if (rec.state !== 'running') throw failedPrecondition('cri', `container ${rec.id} is ${rec.state}, not running: cannot checkpoint`);
      const support = await criu();
      if (!support.ok) throw failedPrecondition('runtime', `cannot checkpoint container ${rec.id}: ${support.reason}`);

      const base = join(o.stateDir, 'checkpoints');
      await mkdir(base, { recursive: true, mode: 0o700 });
      const work = await mkdtemp(join(base, `${rec.id.slice(0, 12)}-`));
      const tmp = `${location}.berth-tmp-${process.pid}`;
      try {
        const timeoutMs = Number(req.timeout > 0n ? req.timeout : BigInt(DEFAULT_TIMEOUT_S)) * 1000;
        await containers.checkpoint(rec.id, { imagePath: join(work, 'checkpoint'), workPath: join(work, 'criu-work'), timeoutMs });
        const paths = containers.pathsOf(rec.id);
        const dump: ConfigDump = {
          id: rec.id,
          name: rec.name,
          rootfsImageName: rec.imageSpec,
          rootfsImageRef: rec.imageId,
          runtime: rec.runtimeHandler,
          createdTime: new Date(Number(BigInt(rec.createdAt) / 1_000_000n)).toISOString(),
        };
        await writeFile(join(work, 'config.dump'), JSON.stringify(dump, null, 2), { mode: 0o600 });
        await copyFile(join(paths.bundle, 'config.json'), join(work, 'spec.dump'));
        await tarCreate({ dir: paths.upper, out: join(work, 'rootfs-diff.tar'), entries: ['.'] });
        await writeFile(join(work, 'deleted.files'), '[]', { mode: 0o600 });
        await tarCreate({ dir: work, out: tmp, entries: ARCHIVE_FILES, timeoutMs });
        await rename(tmp, location);
        return {};
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

/** An extracted, checked checkpoint archive; `cleanup` removes it. */
export interface ExtractedCheckpoint {
  dir: string;
  config: ConfigDump;
  cleanup(): Promise<void>;
}

/**
 * Extracts the archive `path` (config.image.image of a CreateContainer) into
 * a fresh directory under <state>/checkpoints through the layer guard and
 * checks its layout. InvalidArgument naming config.image.image otherwise.
 */
export async function extractCheckpoint(path: string, stateDir: string): Promise<ExtractedCheckpoint> {
  const field = 'config.image.image';
  const st = await stat(path).catch((e: unknown) => {
    throw errnoCode(e) === 'ENOENT' ? new BerthError(Code.NotFound, 'cri', `${field}: checkpoint archive "${path}" does not exist`) : invalidArgument('cri', `${field}: "${path}": ${errorMessage(e)}`);
  });
  if (!st.isFile()) throw invalidArgument('cri', `${field}: "${path}" is not a checkpoint archive (not a regular file)`);
  const base = join(stateDir, 'checkpoints');
  await mkdir(base, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(base, 'restore-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await guardedExtract(path, dir, `${field}: checkpoint archive "${path}"`);
    for (const f of ['config.dump', 'spec.dump', 'checkpoint'] as const) {
      if (!(await stat(join(dir, f)).catch(() => undefined))) throw invalidArgument('cri', `${field}: checkpoint archive "${path}" has no ${f}`);
    }
    let config: ConfigDump;
    try {
      config = JSON.parse(await readFile(join(dir, 'config.dump'), 'utf8')) as ConfigDump;
    } catch (e) {
      throw invalidArgument('cri', `${field}: checkpoint archive "${path}": config.dump is not JSON: ${errorMessage(e)}`);
    }
    if (typeof config.rootfsImageRef !== 'string' || !config.rootfsImageRef) {
      throw invalidArgument('cri', `${field}: checkpoint archive "${path}": config.dump names no rootfsImageRef`);
    }
    return { dir, config, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Extracts the tar `file` into the empty `dir` through the layer guard; `what` names it in errors (InvalidArgument). */
async function guardedExtract(file: string, dir: string, what: string): Promise<void> {
  const guard = new TarGuard();
  const errors: unknown[] = [];
  const ac = new AbortController();
  const fail = (e: unknown): void => {
    errors.push(e);
    ac.abort();
  };
  await Promise.all([
    pipeline(createReadStream(file), guard, { signal: ac.signal }).catch(fail),
    tarExtract({ dir, stdin: guard, signal: ac.signal }).then(() => guard.resume(), fail),
  ]);
  // The guard's refusal is the reason; tar, killed because of it, may have failed first.
  const first = errors.find((e) => e instanceof UnsafeLayerError) ?? errors[0];
  if (first === undefined) return;
  if (first instanceof UnsafeLayerError) throw invalidArgument('cri', `${what} refused: ${first.message}`);
  throw invalidArgument('cri', `${what} is not a readable archive: ${errorMessage(first)}`);
}

export interface RestoreRequest {
  podSandboxId: string;
  config: ContainerConfig;
  sandboxConfig: PodSandboxConfig | undefined;
}

/**
 * CreateContainer from a checkpoint archive (CRI-O's convention): checked and
 * extracted, the container created on the checkpoint's base image with the
 * rootfs diff as its writable layer; StartContainer then restores the
 * processes with CRIU. Where CRIU cannot run the call fails saying why. On
 * any failure nothing is left behind.
 */
export async function restoreFromArchive(path: string, req: RestoreRequest, containers: ContainerManager, o: CheckpointOptions, signal?: AbortSignal): Promise<string> {
  const criu = o.criu ?? (() => criuSupport());
  const extracted = await extractCheckpoint(path, o.stateDir);
  try {
    const support = await criu();
    if (!support.ok) throw failedPrecondition('runtime', `cannot restore from checkpoint archive "${path}": ${support.reason}`);
    // The container is made on the image the checkpoint was taken on.
    const config: ContainerConfig = { ...req.config, image: { ...(req.config.image ?? ImageSpec.fromPartial({})), image: extracted.config.rootfsImageRef } };
    const diff = join(extracted.dir, 'rootfs-diff.tar');
    const hasDiff = await stat(diff).then((s) => s.isFile(), () => false);
    return await containers.create(req.podSandboxId, config, req.sandboxConfig, signal, {
      dir: extracted.dir,
      prepareUpper: async (upper) => {
        if (hasDiff) await guardedExtract(diff, upper, `config.image.image: the rootfs diff of checkpoint archive "${path}"`);
      },
    });
  } catch (e) {
    await extracted.cleanup();
    if (e instanceof BerthError && e.code === Code.NotFound && e.layer === 'image') {
      throw new BerthError(Code.NotFound, 'image', `config.image.image: checkpoint archive "${path}" was taken on image ${extracted.config.rootfsImageName} (${extracted.config.rootfsImageRef}), which is not present: pull it first`);
    }
    throw e;
  }
}
