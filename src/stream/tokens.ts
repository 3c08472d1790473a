// Single-use, short-lived tokens naming a cached Exec/Attach/PortForward
// request. The URL carries only the token; every option comes from the
// cached request, never from the query string.
import { randomBytes } from 'node:crypto';
import { BerthError, Code } from '../util/errors.js';

export interface Clock {
  now(): number;
}

export interface TokenCacheOptions {
  /** Lifetime of a token (default 1 minute, as the kubelet's). */
  ttlMs?: number;
  /** Tokens in flight at once (default 1000); more → ResourceExhausted. */
  maxInFlight?: number;
  clock?: Clock;
}

export class TokenCache<T> {
  // Insertion order = expiry order (one TTL for all), so expired ones are at the front.
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly clock: Clock;

  constructor(opts: TokenCacheOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.max = opts.maxInFlight ?? 1000;
    this.clock = opts.clock ?? Date;
  }

  get size(): number {
    this.evictExpired();
    return this.entries.size;
  }

  insert(value: T): string {
    this.evictExpired();
    if (this.entries.size >= this.max) {
      throw new BerthError(Code.ResourceExhausted, 'stream', `too many pending streaming requests (${this.max} tokens in flight); retry later`);
    }
    let token: string;
    do token = randomBytes(18).toString('base64url');
    while (this.entries.has(token));
    this.entries.set(token, { value, expires: this.clock.now() + this.ttlMs });
    return token;
  }

  /** The cached value, once: a second call, or one after expiry, gets undefined. */
  consume(token: string): T | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    this.entries.delete(token);
    return e.expires > this.clock.now() ? e.value : undefined;
  }

  private evictExpired(): void {
    const now = this.clock.now();
    for (const [token, e] of this.entries) {
      if (e.expires > now) break;
      this.entries.delete(token);
    }
  }
}
