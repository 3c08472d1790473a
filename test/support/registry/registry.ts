// A throwaway distribution registry (Debian's docker-registry) on loopback,
// with no auth, htpasswd Basic auth, or token auth backed by token-server.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpRequest } from './client.js';
import { startTokenServer, type TokenServer } from './token-server.js';
import { dockerRegistryServe, htpasswdBcrypt, type RegistryProcess } from './tools.js';

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface RegistryOptions {
  auth?: RegistryAuth;
  /** Storage root to use (and keep) instead of one inside the temp dir. */
  dir?: string;
  username?: string;
  password?: string;
}

export interface RunningRegistry {
  auth: RegistryAuth;
  /** "127.0.0.1:PORT", as an image reference's registry part. */
  host: string;
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** Set for 'basic' and 'token'. */
  username?: string;
  password?: string;
  /** The docker-registry process, so tests can check it is gone after stop(). */
  pid: number;
  /** The temp dir (config, htpasswd, certs; storage unless opts.dir) that stop() removes. */
  tempDir: string;
  storageDir: string;
  /** Token auth only. */
  tokenServer?: TokenServer;
  stop(): Promise<void>;
}

export const DEFAULT_USER = 'berth';
export const DEFAULT_PASSWORD = 'berth-test-password';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function configYaml(port: number, storage: string, authYaml: string): string {
  // JSON-quoted strings are valid YAML scalars and survive any path.
  const q = JSON.stringify;
  return `version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${q(storage)}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${q(`127.0.0.1:${port}`)}
  secret: berth-test-secret
health:
  storagedriver:
    enabled: false
${authYaml}`;
}

async function authConfig(auth: RegistryAuth, tempDir: string, user: string, password: string): Promise<{ yaml: string; token?: TokenServer }> {
  if (auth === 'none') return { yaml: '' };
  if (auth === 'basic') {
    const file = path.join(tempDir, 'htpasswd');
    await writeFile(file, `${await htpasswdBcrypt(user, password)}\n`);
    return { yaml: `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${JSON.stringify(file)}\n` };
  }
  const token = await startTokenServer(tempDir, { username: user, password });
  const q = JSON.stringify;
  return {
    token,
    yaml: `auth:\n  token:\n    realm: ${q(token.realm)}\n    service: ${q(token.service)}\n    issuer: ${q(token.issuer)}\n    rootcertbundle: ${q(token.certFile)}\n`,
  };
}

/** Poll /v2/ until the registry answers (200, or 401 with auth on). */
async function waitReady(proc: RegistryProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new Error(`registry: docker-registry ${await proc.exited} before answering: ${proc.stderrTail().slice(-2000)}`);
    const res = await httpRequest('GET', `${url}/v2/`, {}).catch(() => undefined);
    if (res && (res.status === 200 || res.status === 401)) return;
    await sleep(25);
  }
  throw new Error(`registry: no answer on ${url}/v2/ after ${timeoutMs} ms: ${proc.stderrTail().slice(-2000)}`);
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  const auth = opts.auth ?? 'none';
  const username = opts.username ?? DEFAULT_USER;
  const password = opts.password ?? DEFAULT_PASSWORD;
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'berth-registry-'));
  const storageDir = opts.dir ?? path.join(tempDir, 'storage');
  let token: TokenServer | undefined;
  try {
    const a = await authConfig(auth, tempDir, username, password);
    token = a.token;
    // The free port can be taken between probe and bind; try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const configFile = path.join(tempDir, 'config.yml');
      await writeFile(configFile, configYaml(port, storageDir, a.yaml));
      const proc = dockerRegistryServe(configFile);
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitReady(proc, url, 10_000);
      } catch (e) {
        await proc.stop();
        if (attempt < 3 && /address already in use/.test(proc.stderrTail())) continue;
        throw e;
      }
      const tokenServer = token;
      return {
        auth,
        host: `127.0.0.1:${port}`,
        url,
        ...(auth === 'none' ? {} : { username, password }),
        pid: proc.pid,
        tempDir,
        storageDir,
        ...(tokenServer ? { tokenServer } : {}),
        async stop() {
          await proc.stop();
          await tokenServer?.stop();
          await rm(tempDir, { recursive: true, force: true });
        },
      };
    }
  } catch (e) {
    await token?.stop();
    await rm(tempDir, { recursive: true, force: true });
    throw e;
  }
}
