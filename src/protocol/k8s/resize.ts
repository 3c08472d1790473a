// Terminal size messages: a sequence of JSON objects {"Width":w,"Height":h}
// (Go's json.Encoder writes one per line; field names match case-insensitively
// as Go decodes them). The SPDY resize stream is a byte stream, so objects
// may arrive split or several per chunk; WebSocket sends one per message.

export interface TerminalSize {
  width: number;
  height: number;
}

export function encodeResize(size: TerminalSize): Buffer {
  return Buffer.from(`${JSON.stringify({ Width: size.width, Height: size.height })}\n`);
}

/** Parses one JSON object; undefined when it is not a size. */
export function parseResize(json: string): TerminalSize | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  let width: number | undefined;
  let height: number | undefined;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 0xffff) continue;
    if (k.toLowerCase() === 'width') width = x;
    else if (k.toLowerCase() === 'height') height = x;
  }
  return width === undefined || height === undefined ? undefined : { width, height };
}

/** Splits a byte stream into top-level JSON objects, by brace depth outside strings. */
export class ResizeDecoder {
  private pending = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;

  /** Feeds bytes; returns the sizes completed by them. Malformed objects are skipped. */
  push(chunk: Buffer | string): TerminalSize[] {
    const out: TerminalSize[] = [];
    const base = this.pending.length;
    this.pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (let i = base; i < this.pending.length; i++) {
      const c = this.pending[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"' && this.depth > 0) this.inString = true;
      else if (c === '{') {
        if (this.depth++ === 0) this.start = i;
      } else if (c === '}' && this.depth > 0 && --this.depth === 0) {
        const size = parseResize(this.pending.slice(this.start, i + 1));
        if (size) out.push(size);
        this.start = -1;
      }
    }
    // Keep only an unfinished object; a runaway one (no closing brace in 64 KiB) is dropped.
    if (this.depth === 0) this.pending = '';
    else if (this.start > 0) {
      this.pending = this.pending.slice(this.start);
      this.start = 0;
    }
    if (this.pending.length > 65536) {
      this.pending = '';
      this.depth = 0;
      this.inString = false;
    }
    return out;
  }
}
