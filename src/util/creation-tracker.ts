// Creations a client may come back for. The kubelet gives RunPodSandbox and
// CreateContainer a deadline (4 min by default) and, when it expires, sends
// the same request again (same name and attempt) while the runtime may still
// be creating the first one. Both managers key their creations here by that
// name: a retry waits for the creation in flight instead of starting a second
// one, and an id whose caller gave up before it was returned is kept for the
// next retry to take, once (CRI-O keeps such "abandoned" resources likewise).
export class CreationTracker {
  private readonly inflight = new Map<string, Promise<string>>();
  /** key → id of a finished creation whose caller had gone: nobody has been told the id yet. */
  private readonly abandoned = new Map<string, string>();

  /**
   * Runs `create` as the creation of `key`. When `signal` (the caller's call)
   * has aborted by the time it succeeds, the id is kept for `claim`.
   */
  run(key: string, create: () => Promise<string>, signal?: AbortSignal): Promise<string> {
    const p = create();
    this.inflight.set(key, p);
    const settled = (): void => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    };
    p.then(
      (id) => {
        settled();
        if (signal?.aborted) this.abandoned.set(key, id);
      },
      settled,
    );
    return p;
  }

  /** The creation of `key` in flight, if any. */
  pending(key: string): Promise<string> | undefined {
    return this.inflight.get(key);
  }

  /**
   * A retry of `key`: waits for the creation in flight (its failure is the
   * first caller's to report), then takes its id if that caller gave up.
   * undefined: nothing to hand over — a genuine duplicate, or the first
   * failed, or this retry's own caller gave up meanwhile (the id stays for the next).
   */
  async retry(key: string, signal?: AbortSignal): Promise<string | undefined> {
    await this.inflight.get(key)?.catch(() => undefined);
    return signal?.aborted ? undefined : this.claim(key);
  }

  /** Takes the id of an abandoned creation of `key`, once. */
  claim(key: string): string | undefined {
    const id = this.abandoned.get(key);
    this.abandoned.delete(key);
    return id;
  }

  /** The object was removed: nothing of it may be handed over any more. */
  forget(key: string): void {
    this.abandoned.delete(key);
  }
}
