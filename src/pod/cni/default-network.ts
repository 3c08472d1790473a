// The bridge network berthd writes when conf_dir holds no configuration, so a
// fresh machine has pod networking (CRI-O ships a similar one). Opt out with
// [network] install_default_config = false.
import { mkdir, readdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../util/errors.js';

export const DEFAULT_NETWORK_FILE = '10-berth-bridge.conflist';

/** Pure: the default conflist for a subnet. */
export function defaultNetworkConfig(subnet: string): object {
  return {
    cniVersion: '1.0.0',
    name: 'berth',
    plugins: [
      {
        type: 'bridge',
        bridge: 'berth0',
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/** Writes the default config if the directory holds no config at all; returns the file written. */
export async function installDefaultNetwork(confDir: string, subnet: string): Promise<string | undefined> {
  let names: string[] = [];
  try {
    names = await readdir(confDir);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  if (names.some((n) => /\.(conflist|conf|json)$/.test(n))) return undefined;
  await mkdir(confDir, { recursive: true, mode: 0o755 });
  const file = join(confDir, DEFAULT_NETWORK_FILE);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(defaultNetworkConfig(subnet), null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, file);
  return file;
}
