// Exec and attach over an upgraded SPDY connection: wait for the client's
// streams (identified by their streamtype header), run the session, report
// the outcome on the error stream, close.
import { execProtocolVersion, StreamHeader, StreamType } from '../../protocol/k8s/protocols.js';
import { ResizeDecoder } from '../../protocol/k8s/resize.js';
import { encodeOutcome } from '../../protocol/k8s/status.js';
import { RstStatus } from '../../protocol/spdy/frames.js';
import type { SpdyConnection, SpdyStream } from '../../protocol/spdy/connection.js';
import type { Logger } from '../../util/log.js';
import type { StreamBackend } from '../backend.js';
import { ResizeQueue } from '../../protocol/k8s/resize-queue.js';
import type { ExecLikeRequest } from '../requests.js';
import { finish, runSession } from '../session.js';

type ExecStreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

export interface SpdySessionOptions {
  /** How long the client may take to open its streams (30 s). */
  streamCreationTimeoutMs: number;
  log: Logger;
}

export async function serveSpdyExec(
  conn: SpdyConnection,
  protocol: string,
  cached: ExecLikeRequest,
  backend: StreamBackend,
  opts: SpdySessionOptions,
): Promise<void> {
  const version = execProtocolVersion(protocol);
  const abort = new AbortController();
  conn.once('close', () => abort.abort());
  const streams = await collectStreams(conn, expectedStreams(cached, version), opts.streamCreationTimeoutMs).catch((e: unknown) => {
    opts.log.warn('exec/attach session not started', { error: e instanceof Error ? e.message : String(e) });
    conn.close();
    return undefined;
  });
  if (!streams) return;

  // Input nobody reads is drained. The server's own side of stdin and resize
  // stays open until the session ends: client-go's executor reads its stdin
  // stream and, when the server ends it, ends its stdin too (an empty FIN
  // frame), so input typed or piped later would never be sent.
  for (const s of [streams.error, streams.stdout, streams.stderr]) s?.resume();
  let resize: ResizeQueue | undefined;
  if (streams.resize) {
    const queue = (resize = new ResizeQueue());
    const decoder = new ResizeDecoder();
    streams.resize.on('data', (chunk: Buffer) => decoder.push(chunk).forEach((s) => queue.push(s)));
  }

  const outcome = await runSession(
    backend,
    cached,
    {
      ...(streams.stdin ? { stdin: streams.stdin } : {}),
      ...(streams.stdout ? { stdout: streams.stdout } : {}),
      ...(streams.stderr ? { stderr: streams.stderr } : {}),
      ...(resize ? { resize } : {}),
    },
    abort.signal,
  );
  if (!conn.closed && streams.error) {
    const cmd = cached.kind === 'exec' ? cached.req.cmd : [];
    const report = encodeOutcome(outcome, version, cmd);
    if (report.length) streams.error.write(report);
    await finish(streams.error);
  }
  // Every stream ends with the session (the connection's close resets what is left).
  await Promise.all([finish(streams.stdin), finish(streams.resize)]);
  conn.close();
}

/** The stream types this session waits for. */
export function expectedStreams(cached: ExecLikeRequest, version: number): Set<ExecStreamType> {
  const { req } = cached;
  const want = new Set<ExecStreamType>(['error']);
  if (req.stdin) want.add('stdin');
  if (req.stdout) want.add('stdout');
  if (req.stderr && !req.tty) want.add('stderr');
  if (req.tty && version >= 3) want.add('resize');
  return want;
}

function collectStreams(conn: SpdyConnection, want: Set<ExecStreamType>, timeoutMs: number): Promise<Partial<Record<ExecStreamType, SpdyStream>>> {
  return new Promise((resolve, reject) => {
    const got: Partial<Record<ExecStreamType, SpdyStream>> = {};
    let missing = want.size;
    const timer = setTimeout(() => reject(new Error(`timed out waiting for client to create streams (have ${Object.keys(got).join(', ') || 'none'} of ${[...want].join(', ')})`)), timeoutMs);
    conn.once('close', () => {
      clearTimeout(timer);
      reject(new Error('client closed the connection before creating its streams'));
    });
    conn.on('stream', (s: SpdyStream) => {
      const type = s.header(StreamHeader.type) as ExecStreamType | undefined;
      if (!type || !(type in StreamType) || !want.has(type) || got[type]) {
        // Not one the cached request asked for (or a duplicate): refuse it.
        s.reset(RstStatus.REFUSED_STREAM);
        return;
      }
      s.reply();
      got[type] = s;
      if (--missing === 0) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}
