// Bytes queued as the chunks they came in, taken from the front by count:
// a chunk is copied only when a take spans several (the HTTP/2 server's data
// waiting for window, the gRPC client's message reader).
export class ByteQueue {
  private chunks: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.total += b.length;
  }

  /** The first n bytes without removing them (n ≤ length). */
  peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    this.chunks = [Buffer.concat(this.chunks, this.total)];
    return (this.chunks[0] as Buffer).subarray(0, n);
  }

  /** Removes and returns the first n bytes (n ≤ length). */
  take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const joined = Buffer.concat(this.chunks, this.total);
      out = joined.subarray(0, n);
      this.chunks = joined.length > n ? [joined.subarray(n)] : [];
    }
    this.total -= n;
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.total = 0;
  }
}
