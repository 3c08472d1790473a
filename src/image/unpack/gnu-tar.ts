// The one wrapper around GNU tar for Berth: extracting a (guarded) layer
// stream into a directory, preserving owners, modes, xattrs, devices.
import type { Readable } from 'node:stream';
import { runTool } from '../../util/run-tool.js';

/** Streams never run into this bound; a stuck tar is killed via the signal. */
const EXTRACT_TIMEOUT_MS = 6 * 3600_000;

export async function tarExtract(opts: { dir: string; stdin: Readable; signal?: AbortSignal }): Promise<void> {
  await runTool({
    layer: 'storage',
    cmd: 'tar',
    args: [
      '--extract',
      '--file=-',
      `--directory=${opts.dir}`,
      '--read-full-records',
      '--numeric-owner',
      '--same-owner',
      '--same-permissions',
      '--xattrs',
      '--xattrs-include=*',
      // overlayfs reads these from lower layers: a layer must not smuggle them in.
      '--xattrs-exclude=trusted.overlay.*',
    ],
    stdin: opts.stdin,
    timeoutMs: EXTRACT_TIMEOUT_MS,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/**
 * Archives `entries` (relative to `dir`) into the file `out`, keeping owners,
 * modes, xattrs and device nodes (overlay whiteouts) — a checkpoint's
 * rootfs diff and the checkpoint archive itself.
 */
export async function tarCreate(opts: { dir: string; out: string; entries: readonly string[]; timeoutMs?: number }): Promise<void> {
  await runTool({
    layer: 'storage',
    cmd: 'tar',
    args: ['--create', `--file=${opts.out}`, `--directory=${opts.dir}`, '--numeric-owner', '--xattrs', '--xattrs-include=*', '--sparse', '--', ...opts.entries],
    timeoutMs: opts.timeoutMs ?? EXTRACT_TIMEOUT_MS,
  });
}
