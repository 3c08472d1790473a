// One clear line per failure (what, why, what to do), exit code 1. The
// gRPC method, status code and stack only with --debug.
import { GrpcStatusError } from '../../client/cri-client.js';
import { Code } from '../../util/errors.js';
import { UsageError } from '../common/cli-context.js';

/** An error a verb raises with the context it knows (what it was doing), keeping the cause for --debug. */
export class VerbError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** "doing X: <why>" with the runtime's reason, and a hint when the status code suggests one. */
export function wrapError(what: string, e: unknown): VerbError {
  if (e instanceof VerbError || e instanceof UsageError) return e instanceof VerbError ? e : new VerbError(`${what}: ${e.message}`, e);
  return new VerbError(`${what}: ${reason(e)}`, e);
}

function reason(e: unknown): string {
  if (!(e instanceof GrpcStatusError)) return e instanceof Error ? e.message : String(e);
  const d = e.details.replace(/\s*\n\s*/g, '; ');
  switch (e.grpcCode) {
    case Code.Unavailable:
      return /cannot connect/.test(d) ? `${d.replace(/ \(is the runtime running\?\)$/, '')} — is berthd running? Start it, or point -H / CONTAINER_RUNTIME_ENDPOINT at the runtime's socket` : d;
    case Code.DeadlineExceeded:
      return `${d} — the runtime did not answer in time; raise --timeout or check the runtime's log`;
    case Code.Unimplemented:
      return `the runtime does not implement this (${d})`;
    default:
      return d;
  }
}

/** The lines to print for a failure: one without --debug. */
export function errorLines(e: unknown, debug: boolean): string[] {
  const root = e instanceof VerbError && e.cause !== undefined ? e.cause : e;
  const head = e instanceof VerbError || e instanceof UsageError ? e.message : reason(e);
  const lines = [`berth: ${head.replace(/\s*\n\s*/g, '; ')}`];
  if (!debug) return lines;
  if (root instanceof GrpcStatusError) lines.push(`gRPC: method ${root.method}, status ${Code[root.grpcCode] ?? root.grpcCode} (${root.grpcCode}), details: ${root.details}`);
  const stack = root instanceof Error ? root.stack : undefined;
  if (stack) lines.push(stack);
  return lines;
}
