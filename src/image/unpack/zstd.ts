// The one wrapper around the zstd binary: streaming decompression (several
// times faster than any pure-JS decoder).
import { PassThrough, Readable } from 'node:stream';
import { runTool } from '../../util/run-tool.js';

const TIMEOUT_MS = 6 * 3600_000;

/** Decompresses `source`; errors of zstd (corrupt input) surface on the returned stream's iteration. */
export async function* zstdDecompress(source: AsyncIterable<Buffer>, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const out = new PassThrough();
  const done = runTool({
    layer: 'image',
    cmd: 'zstd',
    args: ['-d', '-c', '-q', '--no-progress'],
    stdin: Readable.from(source),
    stdout: out,
    timeoutMs: TIMEOUT_MS,
    ...(signal ? { signal } : {}),
  });
  done.catch((e: unknown) => out.destroy(e as Error));
  for await (const chunk of out) yield chunk as Buffer;
  await done;
}
