// Which endpoints serve a registry domain, in order: its configured mirrors,
// then the registry itself. Plain HTTP and unverified TLS only where the
// configuration says insecure (loopback registries are insecure by default,
// as Docker treats them).
import type { RegistryHost } from '../../config/schema.js';
import { registryApiHost } from '../reference.js';

export interface Endpoint {
  /** Base URL without trailing slash; requests go to `${base}/v2/…`. */
  base: string;
  /** host[:port] used for credentials, caches and messages. */
  host: string;
  insecure: boolean;
  mirror: boolean;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/:\d+$/, '');
  return h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export function endpointsFor(domain: string, registries: Readonly<Record<string, RegistryHost>>): Endpoint[] {
  const conf = registries[domain];
  const insecure = conf?.insecure ?? false;
  const out: Endpoint[] = (conf?.mirrors ?? []).map((m) => {
    const u = new URL(m);
    const path = u.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
    return { base: `${u.protocol}//${u.host}${path}`, host: u.host, insecure: insecure || isLoopbackHost(u.host), mirror: true };
  });
  out.push({ base: `https://${registryApiHost(domain)}`, host: domain, insecure: insecure || isLoopbackHost(domain), mirror: false });
  return out;
}
