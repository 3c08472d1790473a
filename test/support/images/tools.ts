// The one place test image/registry fixtures spawn short-lived binaries.
// Each binary gets a small typed wrapper below (or in registry/tools.ts);
// all of them go through runTool so a failure always names the command,
// its exit status and the tail of its stderr.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ToolRun {
  /** Which fixture area the tool serves, named in errors ("image", "registry"). */
  area: string;
  bin: string;
  args: string[];
  timeoutMs: number;
  cwd?: string;
  stdin?: Buffer;
  /** Write stdout to this file instead of collecting it (large outputs). */
  stdoutFile?: string;
}

export class ToolError extends Error {
  constructor(run: ToolRun, detail: string, readonly stderr: string) {
    super(`${run.area}: ${run.bin} ${run.args.join(' ')}: ${detail}${stderr ? `: ${stderr.trim().slice(-2000)}` : ''}`);
  }
}

export function runTool(run: ToolRun): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.bin, run.args, {
      cwd: run.cwd,
      stdio: [run.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      timeout: run.timeoutMs,
      killSignal: 'SIGKILL',
    });
    const { stdout, stderr: errStream } = child;
    if (!stdout || !errStream) throw new Error('unreachable: stdout and stderr are pipes');
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let errLen = 0;
    let fileDone: Promise<void> = Promise.resolve();
    if (run.stdoutFile) {
      const file = createWriteStream(run.stdoutFile);
      fileDone = new Promise((ok, fail) => {
        file.on('finish', ok);
        file.on('error', fail);
      });
      stdout.pipe(file);
    } else {
      stdout.on('data', (b: Buffer) => out.push(b));
    }
    errStream.on('data', (b: Buffer) => {
      // Keep a bounded tail: only the end of stderr is useful in an error.
      err.push(b);
      errLen += b.length;
      while (errLen > 64 * 1024 && err.length > 1) errLen -= err.shift()!.length;
    });
    if (run.stdin && child.stdin) {
      child.stdin.on('error', () => undefined); // EPIPE if the tool exits early; its status says why
      child.stdin.end(run.stdin);
    }
    child.on('error', (e) => reject(new ToolError(run, e.message, '')));
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        const why = signal === 'SIGKILL' ? `killed after ${run.timeoutMs} ms (timeout?)` : signal ? `signal ${signal}` : `exit ${code}`;
        reject(new ToolError(run, why, stderr));
        return;
      }
      fileDone.then(() => resolve(Buffer.concat(out)), (e: Error) => reject(new ToolError(run, e.message, stderr)));
    });
  });
}

/** GNU tar. */
export function tar(args: string[], opts: { cwd?: string; stdin?: Buffer; timeoutMs?: number } = {}): Promise<Buffer> {
  return runTool({ area: 'image', bin: 'tar', args, timeoutMs: opts.timeoutMs ?? 120_000, cwd: opts.cwd, stdin: opts.stdin });
}

/** zstd: compress `input` (a file) into `output`, or decompress a buffer to stdout. */
export const zstd = {
  compressFile(input: string, output: string, level = 3): Promise<Buffer> {
    // -T1: one worker keeps the output byte-identical from run to run.
    return runTool({ area: 'image', bin: 'zstd', args: ['-q', '-c', `-${level}`, '-T1', '--', input], timeoutMs: 300_000, stdoutFile: output });
  },
  decompress(data: Buffer): Promise<Buffer> {
    return runTool({ area: 'image', bin: 'zstd', args: ['-q', '-d', '-c'], timeoutMs: 60_000, stdin: data });
  },
};

/** The applet names a busybox binary provides (one per line of --list). */
export async function busyboxApplets(bin: string): Promise<string[]> {
  const out = await runTool({ area: 'image', bin, args: ['--list'], timeoutMs: 10_000 });
  return out.toString('utf8').split('\n').filter((a) => a !== '' && a !== 'busybox');
}
