// Where registry credentials come from: the PullImage request's AuthConfig
// (username/password, base64 "auth", identity token, registry token) or a
// Docker-style config.json ("auths" keyed by registry host or URL).
import { readFile } from 'node:fs/promises';
import { errnoCode, invalidArgument } from '../../util/errors.js';

export type Credentials =
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token exchanged at the token endpoint. */
  | { kind: 'identity'; username: string; token: string }
  /** A bearer token sent as is. */
  | { kind: 'bearer'; token: string };

export interface AuthFields {
  username?: string;
  password?: string;
  auth?: string;
  identityToken?: string;
  registryToken?: string;
}

export function credentialsFrom(a: AuthFields | undefined): Credentials | undefined {
  if (!a) return undefined;
  if (a.registryToken) {
    // Sent as an HTTP header: anything else would fail deep in the transport as an internal error.
    if (!/^[\x21-\x7e]+$/.test(a.registryToken)) throw invalidArgument('image', 'auth.registry_token: a bearer token is visible ASCII only');
    return { kind: 'bearer', token: a.registryToken };
  }
  let { username = '', password = '' } = a;
  if (a.auth) {
    const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) {
      username = decoded.slice(0, i);
      password = decoded.slice(i + 1);
    }
  }
  if (a.identityToken) return { kind: 'identity', username, token: a.identityToken };
  if (username) return { kind: 'basic', username, password };
  return undefined;
}

/** A stable identity for caches (tokens obtained with one credential are not reused for another). */
export function credentialKey(c: Credentials | undefined): string {
  if (!c) return 'anonymous';
  return c.kind === 'bearer' ? `bearer:${c.token.slice(-12)}` : `${c.kind}:${c.username}:${c.kind === 'basic' ? c.password.length : c.token.length}`;
}

/** The auth file's host key: scheme, path and Docker Hub aliases stripped. */
export function authFileHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//, '').split('/')[0] ?? '';
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

interface AuthFileEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** Credentials for `host` from the first auth file that has them; missing files are skipped. */
export async function credentialsFromFiles(files: readonly string[], host: string): Promise<Credentials | undefined> {
  for (const file of files) {
    let json: { auths?: Record<string, AuthFileEntry> };
    try {
      json = JSON.parse(await readFile(file, 'utf8')) as typeof json;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') continue;
      throw new Error(`auth file ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const [key, entry] of Object.entries(json.auths ?? {})) {
      if (authFileHost(key) !== host) continue;
      const c = credentialsFrom({
        ...(entry.auth ? { auth: entry.auth } : {}),
        ...(entry.username ? { username: entry.username } : {}),
        ...(entry.password ? { password: entry.password } : {}),
        ...(entry.identitytoken ? { identityToken: entry.identitytoken } : {}),
        ...(entry.registrytoken ? { registryToken: entry.registrytoken } : {}),
      });
      if (c) return c;
    }
  }
  return undefined;
}
