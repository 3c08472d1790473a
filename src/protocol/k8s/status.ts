// The final word of an exec/attach session. v4+ protocols send a
// Kubernetes metav1.Status as JSON on the error stream; v1–v3 send plain
// error text (nothing on success). Both ends of Berth use these.

export interface K8sStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
  code?: number;
}

/** How a session ended, as the server knows it. */
export type SessionOutcome = { exitCode: number } | { error: string };

export function statusOf(outcome: SessionOutcome, cmd: readonly string[] = []): K8sStatus {
  if ('error' in outcome) {
    return {
      metadata: {},
      status: 'Failure',
      message: `Internal error occurred: ${outcome.error}`,
      reason: 'InternalError',
      details: { causes: [{ message: outcome.error }] },
      code: 500,
    };
  }
  if (outcome.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command ${goList(cmd)}, exit code ${outcome.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(outcome.exitCode) }] },
  };
}

/** The bytes to write on the error stream for a protocol version (empty: write nothing). */
export function encodeOutcome(outcome: SessionOutcome, version: number, cmd: readonly string[] = []): Buffer {
  const status = statusOf(outcome, cmd);
  if (version >= 4) return Buffer.from(JSON.stringify(status));
  return status.status === 'Success' ? Buffer.alloc(0) : Buffer.from(status.message ?? 'error');
}

/** How a session ended, as the client reads it from the error stream. */
export type ClientOutcome = { exitCode: number } | { error: string };

export function decodeOutcome(bytes: Buffer, version: number): ClientOutcome {
  const text = bytes.toString('utf8');
  if (version < 4 || !text.trim().startsWith('{')) {
    if (text.trim() === '') return { exitCode: 0 };
    const m = /exit code (\d+)\s*$/.exec(text);
    return m ? { exitCode: Number(m[1]) } : { error: text };
  }
  let status: Partial<K8sStatus>;
  try {
    status = JSON.parse(text) as Partial<K8sStatus>;
  } catch {
    return { error: `unreadable status from the server: ${text}` };
  }
  if (status.status === 'Success') return { exitCode: 0 };
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return { exitCode: code };
  }
  return { error: status.message ?? text };
}

/** Go's %v of a []string, as the kubelet's message shows the command. */
function goList(cmd: readonly string[]): string {
  return `[${cmd.join(' ')}]`;
}
