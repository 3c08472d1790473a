// Third-party clients for the tests: small Go programs under test/clients/go
// built offline against Debian's packages (golang-go, golang-google-grpc-dev,
// golang-github-docker-spdystream-dev) in GOPATH mode, and Debian's python3 with
// python3-grpcio. Built once per source hash into the temp dir, so a test
// run pays the ~6 s Go build once and a re-run not at all.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { REPO } from './daemon.js';

export const GO_SOURCES = join(REPO, 'test/clients/go');
export const PY_SOURCES = join(REPO, 'test/clients/python');
/** Debian's interpreter: it has python3-grpcio and python3-protobuf (a pyenv python on PATH has not). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
const GOPATH_DEBIAN = '/usr/share/gocode';
const CACHE = join(tmpdir(), 'berth-third-party');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the program wrote on fd 3 (its JSON report). */
  report: string;
}

/** Runs a command to its end; throws with its output when it fails. */
async function must(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<void> {
  const r = await run(cmd, args, { env, ...(cwd ? { cwd } : {}) });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
}

async function hashOf(files: string[], extra: string): Promise<string> {
  const h = createHash('sha256').update(extra);
  // By name and content, not path: a second checkout reuses the build.
  for (const f of files.sort()) h.update(basename(f)).update(await readFile(f));
  return h.digest('hex').slice(0, 16);
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

function goEnv(gopath: string): NodeJS.ProcessEnv {
  return { ...process.env, GO111MODULE: 'off', GOPATH: gopath, GOFLAGS: '', CGO_ENABLED: '0', GOCACHE: join(CACHE, 'go-build') };
}

/** Builds `outDir` with `make(tmp)` unless it is there already; atomic against a half-finished build. */
async function cached(key: string, make: (tmp: string) => Promise<void>): Promise<string> {
  const out = join(CACHE, key);
  if (await exists(join(out, '.done'))) return out;
  await mkdir(CACHE, { recursive: true });
  const tmp = await mkdtemp(join(CACHE, `${key}.tmp-`));
  try {
    await make(tmp);
    await writeFile(join(tmp, '.done'), '');
    await rm(out, { recursive: true, force: true });
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return out;
}

/** Go code for proto/api.proto (package runtime_v1, import path "berthcri") from protoc with Debian's protoc-gen-go (APIv1, plugins=grpc). */
async function criGoPackage(): Promise<string> {
  const proto = join(REPO, 'proto/api.proto');
  const key = `gocri-${await hashOf([proto], 'gocri-1')}`;
  return cached(key, async (tmp) => {
    const env = goEnv(GOPATH_DEBIAN);
    await must('go', ['build', '-o', join(tmp, 'protoc-gen-go'), 'github.com/golang/protobuf/protoc-gen-go'], env);
    const pkg = join(tmp, 'gopath/src/berthcri');
    await mkdir(pkg, { recursive: true });
    await must('protoc', [`--plugin=protoc-gen-go=${join(tmp, 'protoc-gen-go')}`, `--go_out=plugins=grpc:${pkg}`, '-I', join(REPO, 'proto'), 'api.proto'], env);
  });
}

/** Builds test/clients/go/<name> and returns the binary's path. */
export async function goClient(name: string): Promise<string> {
  const dir = join(GO_SOURCES, name);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.go')).map((f) => join(dir, f));
  const usesCri = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).some((t) => t.includes('"berthcri"'));
  const cri = usesCri ? await criGoPackage() : undefined;
  const key = `go-${name}-${await hashOf(files, `${name}:${cri ?? ''}`)}`;
  const out = await cached(key, async (tmp) => {
    const gopath = cri ? `${join(cri, 'gopath')}:${GOPATH_DEBIAN}` : GOPATH_DEBIAN;
    await must('go', ['build', '-o', join(tmp, name), '.'], goEnv(gopath), dir);
  });
  return join(out, name);
}

/** The Python module for proto/api.proto (api_pb2, from protoc --python_out); the client calls methods by path, so no generated stubs are needed. */
export async function criPythonModules(): Promise<string> {
  const proto = join(REPO, 'proto/api.proto');
  const key = `pycri-${await hashOf([proto], 'pycri-1')}`;
  return cached(key, async (tmp) => {
    await must('protoc', [`--python_out=${tmp}`, '-I', join(REPO, 'proto'), 'api.proto'], process.env);
  });
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the program's stdin, then ended (unless `stdin` is given). */
  input?: string;
  /** Drive stdin yourself (called once the process runs). */
  stdin?: (w: Writable, out: { text(): string; errText(): string }) => Promise<void> | void;
  /** Extra fds from 4 on: each a Writable the test writes into (e.g. terminal sizes). */
  extraFds?: number;
  onExtraFds?: (fds: Writable[]) => void;
  signal?: AbortSignal;
  /**
   * A hung client is killed after this long (default 60 s) so the test fails
   * with what it saw instead of hanging the file; not a timing assertion.
   */
  killAfterMs?: number;
}

/** Runs a program with stdio pipes and fd 3 as its report channel. */
export function run(cmd: string, args: string[], o: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const extra = Array.from({ length: o.extraFds ?? 0 }, () => 'pipe' as const);
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', ...extra],
      env: o.env ?? process.env,
      ...(o.cwd ? { cwd: o.cwd } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    let report = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    (child.stdio[3] as Readable).on('data', (b: Buffer) => (report += b.toString()));
    child.stdin?.on('error', () => undefined);
    if (o.onExtraFds) o.onExtraFds(child.stdio.slice(4) as Writable[]);
    const killer = setTimeout(() => {
      stderr += `\n[killed: still running after ${o.killAfterMs ?? 60_000} ms]`;
      child.kill('SIGKILL');
    }, o.killAfterMs ?? 60_000);
    child.once('error', (e) => {
      clearTimeout(killer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, report });
    });
    if (o.stdin && child.stdin) void Promise.resolve(o.stdin(child.stdin, { text: () => stdout, errText: () => stderr })).catch((e: unknown) => {
        stderr += `\n[test input failed: ${String(e)}]`;
        child.stdin?.end();
      });
    else child.stdin?.end(o.input ?? '');
  });
}
