// A private CNI network for pod integration tests: its own conf_dir, bridge
// name, subnet and host-local dataDir, so tests never touch the host's
// /etc/cni or /var/lib/cni, and concurrent test runs do not collide.
import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PodSandboxConfig } from '../../src/api/gen/api.js';

export const sh = promisify(execFile);

export interface TestNetwork {
  name: string;
  bridge: string;
  subnet: string;
  /** The bridge's address (gateway of the pods). */
  gateway: string;
  confDir: string;
  /** host-local's dataDir; allocations are in <ipamDir>/<name>/. */
  ipamDir: string;
  /** Private plugin directory searched before /usr/lib/cni (fake plugins go here). */
  binDir: string;
  /** TOML lines for startDaemon({ toml }) (inside its [network] table). */
  toml: string;
  /** IP allocation files host-local holds now. */
  allocations(): Promise<string[]>;
  /** Deletes the bridge. */
  cleanup(): Promise<void>;
}

export interface NetworkOptions {
  /** Plugins appended after bridge (+ portmap unless noPortmap). */
  extraPlugins?: object[];
  noPortmap?: boolean;
  /** Replaces the bridge's ipam (e.g. a bad subnet); `dataDir` is filled in when missing. */
  ipam?: Record<string, unknown>;
  /** Merged into the bridge plugin's configuration (e.g. capabilities). */
  bridgeExtra?: object;
}

export async function makeTestNetwork(dir: string, opts: NetworkOptions = {}): Promise<TestNetwork> {
  const tag = Math.random().toString(36).slice(2, 8);
  const name = `bt-${tag}`;
  const bridge = `bt${tag}`;
  const a = 100 + Math.floor(Math.random() * 150);
  const b = Math.floor(Math.random() * 250);
  const subnet = `10.${a}.${b}.0/24`;
  const gateway = `10.${a}.${b}.1`;
  const confDir = join(dir, 'cni-conf');
  const ipamDir = join(dir, 'cni-ipam');
  const binDir = join(dir, 'cni-bin');
  await mkdir(confDir, { recursive: true });
  await mkdir(binDir, { recursive: true });
  const plugins: object[] = [
    {
      type: 'bridge',
      bridge,
      isGateway: true,
      ipMasq: true,
      hairpinMode: true,
      ipam: opts.ipam ? { dataDir: ipamDir, ...opts.ipam } : { type: 'host-local', dataDir: ipamDir, ranges: [[{ subnet, gateway }]], routes: [{ dst: '0.0.0.0/0' }] },
      ...opts.bridgeExtra,
    },
    ...(opts.noPortmap ? [] : [{ type: 'portmap', capabilities: { portMappings: true } }]),
    ...(opts.extraPlugins ?? []),
  ];
  await writeFile(join(confDir, '10-test.conflist'), JSON.stringify({ cniVersion: '1.0.0', name, plugins }, null, 2));
  return {
    name,
    bridge,
    subnet,
    gateway,
    confDir,
    ipamDir,
    binDir,
    toml: `bin_dirs = ["${binDir}", "/usr/lib/cni"]\n`,
    allocations: async () => {
      try {
        return (await readdir(join(ipamDir, name))).filter((f) => /^[0-9a-f.:]+$/.test(f));
      } catch {
        return [];
      }
    },
    cleanup: async () => {
      await sh('ip', ['link', 'del', bridge]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes an executable fake CNI plugin: fails ADD (after printing to stderr), succeeds DEL. */
export async function writeFailingPlugin(binDir: string, type: string, opts: { sleepSeconds?: number } = {}): Promise<void> {
  const script = `#!/bin/sh
if [ "$CNI_COMMAND" = VERSION ]; then echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}'; exit 0; fi
if [ "$CNI_COMMAND" != ADD ]; then exit 0; fi
${opts.sleepSeconds ? `sleep ${opts.sleepSeconds}` : ''}
echo "fake-plugin: deliberate failure for $CNI_CONTAINERID" >&2
echo '{"cniVersion":"1.0.0","code":100,"msg":"boom from the fake plugin"}'
exit 1
`;
  const path = join(binDir, type);
  await writeFile(path, script);
  await chmod(path, 0o755);
}

/** Mount points whose path contains `needle`. */
export async function mountsContaining(needle: string): Promise<string[]> {
  const { stdout } = await sh('cat', ['/proc/self/mountinfo']);
  return stdout.split('\n').filter((l) => l.includes(needle));
}

/** iptables nat rules mentioning `needle` (portmap and bridge ipMasq comment them with the container id). */
export async function natRulesContaining(needle: string): Promise<string[]> {
  const { stdout } = await sh('iptables', ['-t', 'nat', '-S']);
  return stdout.split('\n').filter((l) => l.includes(needle));
}

/** A PodSandboxConfig from protobuf-JSON (either case), with test metadata. */
export function podConfig(name: string, over: Record<string, unknown> = {}): PodSandboxConfig {
  return PodSandboxConfig.fromJSON({ metadata: { name, namespace: 'berth-test', uid: `uid-${name}`, attempt: 0 }, hostname: name, ...over });
}
