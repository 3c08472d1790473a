// A small inline chart of recent values from the eight Unicode block
// elements (U+2581…U+2588), scaled to a ceiling (the limit, or the largest
// value seen). Plain characters: fine over SSH in any UTF-8 terminal.
const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** The last `width` values, left-padded with spaces when there are fewer. */
export function sparkline(values: readonly number[], width: number, ceiling?: number): string {
  const recent = values.slice(-width);
  const top = ceiling !== undefined && ceiling > 0 ? ceiling : Math.max(0, ...recent);
  const chars = recent.map((v) => {
    if (!(top > 0) || !(v > 0)) return BLOCKS[0] as string;
    const i = Math.ceil((Math.min(v, top) / top) * BLOCKS.length) - 1;
    return BLOCKS[Math.max(0, Math.min(BLOCKS.length - 1, i))] as string;
  });
  return ' '.repeat(width - chars.length) + chars.join('');
}

/** A bounded history per key. */
export class History {
  private readonly series = new Map<string, number[]>();

  constructor(private readonly keep: number) {}

  push(key: string, v: number): number[] {
    const s = this.series.get(key) ?? [];
    s.push(v);
    if (s.length > this.keep) s.splice(0, s.length - this.keep);
    this.series.set(key, s);
    return s;
  }

  get(key: string): number[] {
    return this.series.get(key) ?? [];
  }

  /** Forgets keys not seen in the last sample. */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.series.keys()) if (!keys.has(k)) this.series.delete(k);
  }
}
