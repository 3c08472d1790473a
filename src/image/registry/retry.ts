// Retries with exponential backoff for transient failures: connection
// errors and HTTP 408/429/5xx. Bounded in attempts, so an unreachable
// registry fails in bounded time (attempts × connect timeout + backoff).
import { setTimeout as sleep } from 'node:timers/promises';
import { TransportError } from './transport.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 };

/** An HTTP status that is worth asking again. */
export class RetryableStatus extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

const PERMANENT_ERRNO = new Set(['ETOOBIG', 'EREDIRECT', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'ENOTFOUND']);

export function isTransient(e: unknown): boolean {
  if (e instanceof RetryableStatus) return true;
  if (e instanceof TransportError) return !PERMANENT_ERRNO.has(e.errno) && !/SSL|TLS|EPROTO/.test(e.errno);
  return false;
}

export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= policy.attempts || !isTransient(e) || signal?.aborted) throw e;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const hinted = e instanceof RetryableStatus && e.retryAfterMs !== undefined ? Math.min(e.retryAfterMs, policy.maxDelayMs) : undefined;
      await sleep(hinted ?? backoff * (0.75 + Math.random() / 2));
    }
  }
}

export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string') return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
