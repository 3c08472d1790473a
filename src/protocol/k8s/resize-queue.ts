// Terminal sizes as an async iterable (server: from the client to the
// backend; client: from SIGWINCH to the connection). Sizes are queued
// (repeats of the last one dropped) until the consumer takes them; end()
// finishes the iteration.
import type { TerminalSize } from './resize.js';

export class ResizeQueue implements AsyncIterable<TerminalSize> {
  private readonly queued: TerminalSize[] = [];
  private waiting: ((r: IteratorResult<TerminalSize>) => void) | undefined;
  private ended = false;
  private last: TerminalSize | undefined;

  /** The most recent size received, if any. */
  get latest(): TerminalSize | undefined {
    return this.last;
  }

  push(size: TerminalSize): void {
    if (this.ended) return;
    if (this.last && this.last.width === size.width && this.last.height === size.height) return;
    this.last = size;
    const w = this.waiting;
    if (w) {
      this.waiting = undefined;
      w({ value: size, done: false });
    } else {
      this.queued.push(size);
    }
  }

  end(): void {
    this.ended = true;
    const w = this.waiting;
    this.waiting = undefined;
    w?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<TerminalSize> {
    return {
      next: () => {
        const v = this.queued.shift();
        if (v) return Promise.resolve({ value: v, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiting = resolve;
        });
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
