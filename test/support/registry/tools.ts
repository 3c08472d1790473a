// Typed wrappers of the binaries the registry fixture spawns: openssl and
// htpasswd (short-lived, through runTool) and docker-registry (a server).
import { spawn } from 'node:child_process';
import { runTool } from '../images/tools.js';

/** A self-signed P-256 key + certificate for signing registry tokens. */
export async function opensslSelfSigned(keyFile: string, certFile: string, cn: string): Promise<void> {
  await runTool({
    area: 'registry',
    bin: 'openssl',
    args: ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${cn}`],
    timeoutMs: 30_000,
  });
}

/** One htpasswd line with a bcrypt hash (the only scheme the registry accepts). */
export async function htpasswdBcrypt(username: string, password: string): Promise<string> {
  // -i: password on stdin, not in argv.
  const out = await runTool({ area: 'registry', bin: 'htpasswd', args: ['-B', '-i', '-n', username], timeoutMs: 10_000, stdin: Buffer.from(password) });
  return out.toString('utf8').trim();
}

export interface RegistryProcess {
  pid: number;
  /** Resolves when the process has exited, with its status. */
  exited: Promise<string>;
  hasExited(): boolean;
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after timeoutMs; resolves once the process is gone. */
  stop(timeoutMs?: number): Promise<void>;
}

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** docker-registry serve <config>; stderr (its log) is kept as a bounded tail. */
export function dockerRegistryServe(configFile: string): RegistryProcess {
  const child = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  let tail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    tail = (tail + s).slice(-16_384);
  });
  let done = false;
  // A test run that dies without stop() must not leave registries behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const exited = new Promise<string>((resolve) => {
    const finish = (why: string): void => {
      done = true;
      process.removeListener('exit', killOnExit);
      resolve(why);
    };
    child.on('error', (e) => finish(`spawn failed: ${e.message}`));
    child.on('exit', (code, signal) => finish(signal ? `signal ${signal}` : `exit ${code}`));
  });
  if (child.pid === undefined) throw new Error(`registry: cannot spawn ${REGISTRY_BIN}`);
  return {
    pid: child.pid,
    exited,
    hasExited: () => done,
    stderrTail: () => tail,
    async stop(timeoutMs = 5_000) {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
