// The cold-pull benchmark's image: five layers shaped like a real service
// image (an OS base of many small files, a language runtime with a few big
// binaries, a dependency tree of many small text files, assets that are
// already compressed, the application), written from a seeded generator so
// every rerun on any machine archives the same bytes. Content is made to
// compress like real files do under gzip -6: text ~3.5:1, machine-code-like
// binaries ~2:1, media/archives 1:1 — about 2.4:1 for the whole image.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Kind = 'text' | 'binary' | 'random';

export interface FileGroup {
  count: number;
  /** Mean size; each file is 50–150 % of it (exactly it in groups of up to 4 big files). */
  bytes: number;
  kind: Kind;
  /** Directory under the layer root, e.g. "usr/lib". */
  under: string;
}

export interface LayerPlan {
  name: string;
  groups: FileGroup[];
}

const MB = 1_000_000;

export const PULL_IMAGE_LAYERS: readonly LayerPlan[] = [
  {
    name: 'base-os',
    groups: [
      { count: 6_000, bytes: 3_000, kind: 'text', under: 'usr/share' },
      { count: 1_200, bytes: 45_000, kind: 'binary', under: 'usr/lib' },
      { count: 300, bytes: 20_000, kind: 'random', under: 'usr/share/media' },
    ],
  },
  {
    name: 'runtime',
    groups: [
      { count: 2, bytes: 40 * MB, kind: 'binary', under: 'opt/runtime/bin' },
      { count: 2_500, bytes: 6_000, kind: 'text', under: 'opt/runtime/lib' },
      { count: 400, bytes: 60_000, kind: 'binary', under: 'opt/runtime/lib/native' },
    ],
  },
  {
    name: 'dependencies',
    groups: [
      { count: 14_000, bytes: 5_000, kind: 'text', under: 'app/node_modules' },
      { count: 2_500, bytes: 16_000, kind: 'binary', under: 'app/node_modules/.bin' },
    ],
  },
  {
    name: 'assets',
    groups: [
      { count: 2, bytes: 12 * MB, kind: 'random', under: 'app/assets/video' },
      { count: 300, bytes: 40_000, kind: 'random', under: 'app/assets/img' },
      { count: 1, bytes: 30 * MB, kind: 'binary', under: 'app/assets/data' },
    ],
  },
  {
    name: 'application',
    groups: [
      { count: 1, bytes: 30 * MB, kind: 'binary', under: 'app/bin' },
      { count: 3_000, bytes: 2_500, kind: 'text', under: 'app/src' },
    ],
  },
];

/** Bump when the generator or the plan changes (the image cache keys on it). */
export const CONTENT_VERSION = 'pull-image-v1';

/** xorshift32: fast, seedable, good enough to defeat a compressor where meant to. */
class Rng {
  constructor(private s: number) {
    if (this.s === 0) this.s = 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
}

const VOCAB: Buffer[] = (() => {
  const r = new Rng(12345);
  const letters = 'etaoinshrdlucmfwypvbgkjqxz_';
  const words: Buffer[] = [];
  for (let i = 0; i < 3000; i++) {
    const len = 2 + (r.next() % 9);
    let w = '';
    for (let j = 0; j < len; j++) w += letters[Math.min(r.next() % 40, r.next() % 27) % 27];
    words.push(Buffer.from(w));
  }
  return words;
})();

/** Source-like text: lines of words from a fixed vocabulary, Zipf-ish skewed. */
function text(b: Buffer, r: Rng): void {
  let i = 0;
  let col = 0;
  let lineStart = 0;
  while (i < b.length) {
    // A line in three repeats one of the last few (imports, boilerplate, markup).
    if (col === 0 && lineStart >= 2048 && r.next() % 3 === 0) {
      const from = lineStart - 1 - (r.next() % 2000);
      const n = Math.min(40 + (r.next() % 40), b.length - i);
      b.copy(b, i, from, from + n);
      i += n;
      if (i < b.length) b[i++] = 0x0a;
      lineStart = i;
      continue;
    }
    const w = VOCAB[Math.min(r.next() % 3000, r.next() % 3000, r.next() % 3000)] as Buffer;
    const n = Math.min(w.length, b.length - i);
    w.copy(b, i, 0, n);
    i += n;
    col += n;
    if (i < b.length) {
      b[i++] = col > 60 + (r.next() % 30) ? 0x0a : 0x20;
      if (b[i - 1] === 0x0a) {
        col = 0;
        lineStart = i;
      }
    }
  }
}

/** Machine-code-like: skewed byte values, with repeats of recent 16–64-byte runs (what LZ77 finds in binaries). */
function binary(b: Buffer, r: Rng): void {
  let i = 0;
  while (i < b.length) {
    const len = 16 + (r.next() % 49);
    const n = Math.min(len, b.length - i);
    if (i >= 4096 && r.next() % 100 < 55) {
      const from = i - 1 - (r.next() % 4000);
      b.copy(b, i, from, from + n);
    } else {
      for (let j = 0; j < n; j++) {
        const v = r.next();
        // Three bytes in four from a small alphabet (opcodes, zeros, small offsets), the rest anything.
        b[i + j] = v & 0x300 ? (v >>> 24) & 0x0f : v >>> 24;
      }
    }
    i += n;
  }
}

function random(b: Buffer, r: Rng): void {
  for (let i = 0; i + 4 <= b.length; i += 4) b.writeUInt32LE(r.next(), i);
  for (let i = b.length & ~3; i < b.length; i++) b[i] = r.next() & 0xff;
}

const FILL: Record<Kind, (b: Buffer, r: Rng) => void> = { text, binary, random };

/** Writes layer `index` of the plan under `dir`; returns its uncompressed content bytes and file count. */
export async function writeLayerTree(dir: string, index: number): Promise<{ bytes: number; files: number }> {
  const plan = PULL_IMAGE_LAYERS[index];
  if (!plan) throw new Error(`bench: no layer ${index}`);
  let bytes = 0;
  let files = 0;
  for (const [g, group] of plan.groups.entries()) {
    const r = new Rng((index + 1) * 1_000_003 + g * 7919);
    for (let f = 0; f < group.count; f++) {
      const spread = 0.5 + (r.next() % 1001) / 1000;
      const size = group.count <= 4 ? group.bytes : Math.floor(group.bytes * spread);
      const sub = join(dir, group.under, `pkg${Math.floor(f / 150)}`);
      if (f % 150 === 0) await mkdir(sub, { recursive: true });
      const b = Buffer.allocUnsafe(size);
      FILL[group.kind](b, r);
      await writeFile(join(sub, `${group.kind}-${f}${group.kind === 'text' ? '.txt' : '.bin'}`), b);
      bytes += size;
      files++;
    }
  }
  return { bytes, files };
}

/** One buffer of `kind` content (for checking the compression ratios). */
export function sample(kind: Kind, size: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(size);
  FILL[kind](b, new Rng(seed));
  return b;
}
