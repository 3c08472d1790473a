// Progress of the pulls in flight, per layer, for Berth's own WatchPull RPC
// (the CRI's PullImage reports nothing until it is done). A pull registers a
// tracker under its normalised reference; layer bytes are counted as they
// leave the digest verifier, so what is shown is what was received and
// checked so far.
export type LayerPhase = 'waiting' | 'downloading' | 'done' | 'present';

export interface LayerProgressView {
  digest: string;
  size: number;
  fetched: number;
  state: LayerPhase;
}

export interface PullSnapshot {
  reference: string;
  layers: LayerProgressView[];
  elapsedMs: number;
  finished: boolean;
}

export class PullTracker {
  private readonly started = Date.now();
  private layers: LayerProgressView[] = [];
  private ended = false;

  constructor(readonly reference: string) {}

  /** The manifest's layers; `present` ones are already on the node. */
  setLayers(list: readonly { digest: string; size: number; present: boolean }[]): void {
    this.layers = list.map((l) => ({ digest: l.digest, size: l.size, fetched: l.present ? l.size : 0, state: l.present ? 'present' : 'waiting' }));
  }

  /** A download (or a retry of it) starts from byte 0. */
  opened(i: number): void {
    const l = this.layers[i];
    if (!l) return;
    l.fetched = 0;
    l.state = 'downloading';
  }

  bytes(i: number, n: number): void {
    const l = this.layers[i];
    if (l) l.fetched += n;
  }

  layerDone(i: number): void {
    const l = this.layers[i];
    if (!l || l.state === 'present') return;
    l.fetched = l.size;
    l.state = 'done';
  }

  finish(): void {
    this.ended = true;
  }

  get finished(): boolean {
    return this.ended;
  }

  snapshot(): PullSnapshot {
    return { reference: this.reference, layers: this.layers.map((l) => ({ ...l })), elapsedMs: Date.now() - this.started, finished: this.ended };
  }
}

/** A finished pull stays visible this long: a watcher that arrives after a fast pull still gets its last report. */
export const FINISHED_VISIBLE_MS = 2000;

/** The trackers of the pulls in flight (and just finished), by normalised reference (concurrent pulls of one image: the latest). */
export class PullProgressRegistry {
  private readonly active = new Map<string, PullTracker>();

  begin(reference: string): PullTracker {
    const t = new PullTracker(reference);
    this.active.set(reference, t);
    return t;
  }

  end(t: PullTracker): void {
    t.finish();
    setTimeout(() => {
      if (this.active.get(t.reference) === t) this.active.delete(t.reference);
    }, FINISHED_VISIBLE_MS).unref();
  }

  get(reference: string): PullTracker | undefined {
    return this.active.get(reference);
  }
}
