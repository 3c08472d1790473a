// Runs one exec or attach against the backend once the transport (SPDY or
// WebSocket) has produced the client's streams, and says how it ended.
// Transport-independent: both transports report the outcome themselves.
import type { Readable, Writable } from 'node:stream';
import type { SessionOutcome } from '../protocol/k8s/status.js';
import { errorMessage } from '../util/errors.js';
import type { StreamBackend } from './backend.js';
import type { ResizeQueue } from '../protocol/k8s/resize-queue.js';
import type { ExecLikeRequest } from './requests.js';

export interface SessionStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  resize?: ResizeQueue;
}

export async function runSession(backend: StreamBackend, cached: ExecLikeRequest, io: SessionStreams, signal: AbortSignal): Promise<SessionOutcome> {
  const { req } = cached;
  const common = {
    containerId: req.containerId,
    tty: req.tty,
    signal,
    ...(io.stdin ? { stdin: io.stdin } : {}),
    ...(io.stdout ? { stdout: io.stdout } : {}),
    ...(io.stderr && !req.tty ? { stderr: io.stderr } : {}),
    ...(io.resize && req.tty ? { resize: io.resize } : {}),
  };
  let outcome: SessionOutcome;
  try {
    if (cached.kind === 'exec') outcome = { exitCode: (await backend.exec({ ...common, cmd: cached.req.cmd })).exitCode };
    else {
      await backend.attach(common);
      outcome = { exitCode: 0 };
    }
  } catch (e) {
    outcome = { error: errorMessage(e) };
  } finally {
    io.resize?.end();
  }
  // Output first, then the status: clients read stdout/stderr to EOF before the error stream.
  await Promise.all([finish(io.stdout), finish(io.stderr)]);
  return outcome;
}

/** Ends a writable and waits until it flushed (or died). */
export function finish(w: Writable | undefined): Promise<void> {
  if (!w || w.destroyed || w.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      w.off('finish', done);
      w.off('close', done);
      w.off('error', done);
      resolve();
    };
    w.on('finish', done);
    w.on('close', done);
    w.on('error', done);
    if (!w.writableEnded) w.end();
  });
}
