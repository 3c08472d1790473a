// Reads a CRI log file the way the kubelet serves `logs`: optionally the
// last N lines, lines since a time, a byte limit, and following the file
// until the container stops. Following survives rotation (the file renamed,
// a new one created at the same path): the old file is read to its end,
// then the new one from its start.
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { formatRfc3339Nano, LineJoiner, parseCriLine, type LogLine, type LogStream } from './cri-log.js';

export interface LogSink {
  /** May return a promise to apply backpressure. */
  write(stream: LogStream, data: Buffer): void | Promise<void>;
}

export interface LogReadOptions {
  path: string;
  follow: boolean;
  /** Last N lines only; undefined or negative = all. */
  tail?: number;
  /** Only lines at or after this time (ns since the epoch). */
  sinceNs?: bigint;
  timestamps: boolean;
  /** Stop after this many bytes of output; undefined or negative = no limit. */
  limitBytes?: number;
  /** Following ends when this says false (checked when the file has nothing new). */
  isRunning?: () => Promise<boolean>;
  sink: LogSink;
  signal?: AbortSignal;
  /** Poll interval while idle (fs.watch wakes us earlier). */
  pollMs?: number;
  /** How often the container's state is asked while idle. */
  stateCheckMs?: number;
}

const CHUNK = 64 * 1024;
const NL = 0x0a;

export async function readLogs(o: LogReadOptions): Promise<void> {
  const w = new Writer(o);
  let file = await openLog(o.path);
  const watcher = o.follow ? new DirWatcher(o.path) : undefined;
  try {
    if (o.tail !== undefined && o.tail >= 0) file.pos = await tailStart(file.fh, (await file.fh.stat()).size, o.tail);
    let lastStateCheck = 0;
    let ending = false;
    for (;;) {
      if (w.done || o.signal?.aborted) return;
      if ((await file.readSome(w)) > 0) continue;
      if (!o.follow || ending) break;
      const rotated = await replacedBy(o.path, file.ino);
      if (rotated) {
        // The old file gets nothing more once the runtime reopened the log.
        await file.finish(w);
        await file.fh.close();
        file = await openLog(o.path);
        continue;
      }
      const now = Date.now();
      if (o.isRunning && now - lastStateCheck >= (o.stateCheckMs ?? 1000)) {
        lastStateCheck = now;
        // Read once more after the container stopped: the runtime completes the log before reporting the exit.
        if (!(await o.isRunning())) ending = true;
        if (ending) continue;
      }
      await watcher?.wait(o.pollMs ?? 250, o.signal);
    }
    await file.finish(w);
    await w.flush();
  } finally {
    watcher?.close();
    await file.fh.close().catch(() => undefined);
  }
}

class LogFile {
  pos = 0;
  private carry: Buffer = Buffer.alloc(0);
  private readonly buf = Buffer.alloc(CHUNK);

  constructor(
    readonly fh: FileHandle,
    readonly ino: number,
  ) {}

  /** Reads what is there now and hands complete lines to the writer; bytes read. */
  async readSome(w: Writer): Promise<number> {
    const { bytesRead } = await this.fh.read(this.buf, 0, CHUNK, this.pos);
    if (bytesRead === 0) return 0;
    this.pos += bytesRead;
    let data = this.buf.subarray(0, bytesRead);
    if (this.carry.length) data = Buffer.concat([this.carry, data]);
    let start = 0;
    for (let nl = data.indexOf(NL); nl >= 0; nl = data.indexOf(NL, start)) {
      await w.line(data.subarray(start, nl));
      start = nl + 1;
      if (w.done) break;
    }
    this.carry = Buffer.from(data.subarray(start));
    return bytesRead;
  }

  /** End of this file: a last line without "\n" counts too. */
  async finish(w: Writer): Promise<void> {
    while ((await this.readSome(w)) > 0 && !w.done);
    if (this.carry.length && !w.done) await w.line(this.carry);
    this.carry = Buffer.alloc(0);
  }
}

/** Parses, joins, filters and writes lines, honouring --since and --limit-bytes. */
class Writer {
  done = false;
  private readonly joiner = new LineJoiner();
  private left: number;

  constructor(private readonly o: LogReadOptions) {
    this.left = o.limitBytes !== undefined && o.limitBytes >= 0 ? o.limitBytes : Infinity;
  }

  async line(raw: Buffer): Promise<void> {
    const e = parseCriLine(raw);
    if (!e) return; // not a CRI log line: skipped, as the kubelet does
    const l = this.joiner.push(e);
    if (l) await this.emit(l);
  }

  async flush(): Promise<void> {
    for (const l of this.joiner.flush()) await this.emit(l);
  }

  private async emit(l: LogLine): Promise<void> {
    if (this.done || (this.o.sinceNs !== undefined && l.timeNs < this.o.sinceNs)) return;
    const parts = [l.content];
    if (this.o.timestamps) parts.unshift(Buffer.from(`${formatRfc3339Nano(l.timeNs, l.offsetMin)} `));
    if (l.newline) parts.push(Buffer.from('\n'));
    let out = Buffer.concat(parts);
    if (out.length >= this.left) {
      out = out.subarray(0, this.left);
      this.done = true;
    }
    this.left -= out.length;
    if (out.length) await this.o.sink.write(l.stream, out);
  }
}

async function openLog(path: string): Promise<LogFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `log file "${path}" does not exist` : `cannot open log file "${path}": ${(e as Error).message}`);
  }
  return new LogFile(fh, (await fh.stat()).ino);
}

/** True when `path` now names a different file than the one open (rotation). */
async function replacedBy(path: string, ino: number): Promise<boolean> {
  try {
    return (await stat(path)).ino !== ino;
  } catch {
    return false; // renamed away, not yet recreated: keep reading the old one
  }
}

/** File offset where the last `n` complete lines start (P pieces of open lines after them included). */
export async function tailStart(fh: FileHandle, size: number, n: number): Promise<number> {
  if (n === 0) return size;
  let bufStart = size;
  let buf: Buffer = Buffer.alloc(0);
  const readBefore = async (): Promise<void> => {
    const from = Math.max(0, bufStart - CHUNK);
    const block = Buffer.alloc(bufStart - from);
    await fh.read(block, 0, block.length, from);
    buf = Buffer.concat([block, buf]);
    bufStart = from;
  };
  if (size === 0) return 0;
  await readBefore();
  let lineEnd = buf[buf.length - 1] === NL ? size - 1 : size; // absolute, exclusive
  let count = 0;
  for (;;) {
    const rel = lineEnd - bufStart;
    const nl = rel > 0 ? buf.lastIndexOf(NL, rel - 1) : -1;
    if (nl < 0 && bufStart > 0) {
      await readBefore();
      continue;
    }
    const line = buf.subarray(nl + 1, rel);
    const e = parseCriLine(line);
    if (e && !e.partial && ++count === n + 1) return lineEnd + 1;
    if (nl < 0) return 0;
    lineEnd = bufStart + nl;
  }
}

/** Wakes a follower when anything in the log's directory changes; polling covers what inotify misses. */
class DirWatcher {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private dirty = false;

  constructor(path: string) {
    const name = basename(path);
    try {
      this.watcher = watch(dirname(path), { persistent: false }, (_ev, file) => {
        if (file !== null && !String(file).startsWith(name)) return;
        this.dirty = true;
        this.wake?.();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      this.watcher = undefined; // e.g. out of inotify watches: polling only
    }
  }

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.dirty) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        this.dirty = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
