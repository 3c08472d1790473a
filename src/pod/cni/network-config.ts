// Finding the pod network: the first valid CNI configuration in conf_dir
// (.conflist, .conf, .json; lexical order), and whether the plugins it names
// exist in bin_dirs. Drives Status' NetworkReady condition and pod set-up.
import { access, constants, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, errorMessage } from '../../util/errors.js';

export interface CniPluginConf {
  type: string;
  [key: string]: unknown;
}

export interface CniNetworkList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
  disableCheck?: boolean;
}

export interface NetworkLookup {
  /** The network to use, when one is ready. */
  network?: { file: string; list: CniNetworkList; raw: string };
  /** Why there is no usable network (NetworkReady false), for Status. */
  reason?: string;
  message?: string;
}

const EXTENSIONS = ['.conflist', '.conf', '.json'];

/** Pure: parse one config file's text into a network list (a .conf becomes a one-plugin list). */
export function parseNetworkConfig(file: string, text: string): CniNetworkList {
  const raw: unknown = JSON.parse(text);
  if (typeof raw !== 'object' || raw === null) throw new Error('not a JSON object');
  const obj = raw as Record<string, unknown>;
  const name = obj.name;
  if (typeof name !== 'string' || !name) throw new Error('missing "name"');
  const cniVersion = typeof obj.cniVersion === 'string' ? obj.cniVersion : '0.4.0';
  if (file.endsWith('.conflist')) {
    const plugins = obj.plugins;
    if (!Array.isArray(plugins) || plugins.length === 0) throw new Error('"plugins" must be a non-empty list');
    for (const p of plugins) {
      if (typeof p !== 'object' || p === null || typeof (p as { type?: unknown }).type !== 'string') throw new Error('every plugin needs a "type"');
    }
    return { cniVersion, name, plugins: plugins as CniPluginConf[], disableCheck: obj.disableCheck === true };
  }
  if (typeof obj.type !== 'string') throw new Error('missing "type"');
  return { cniVersion, name, plugins: [obj as CniPluginConf] };
}

/** Looks up the network to use now. Never throws: problems become reason/message. */
export async function lookupNetwork(confDir: string, binDirs: readonly string[]): Promise<NetworkLookup> {
  let names: string[];
  try {
    names = (await readdir(confDir)).filter((n) => EXTENSIONS.some((e) => n.endsWith(e))).sort();
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') return notReady(`cannot read ${confDir}: ${errorMessage(e)}`);
    names = [];
  }
  const problems: string[] = [];
  for (const n of names) {
    const file = join(confDir, n);
    let list: CniNetworkList;
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
      list = parseNetworkConfig(file, raw);
    } catch (e) {
      problems.push(`${file}: ${errorMessage(e)}`);
      continue;
    }
    const missing: string[] = [];
    for (const p of list.plugins) {
      if (!(await findPlugin(p.type, binDirs))) missing.push(p.type);
    }
    if (missing.length) {
      problems.push(`${file}: plugin(s) ${missing.join(', ')} not found in ${binDirs.join(', ')}`);
      continue;
    }
    return { network: { file, list, raw } };
  }
  if (names.length === 0) return notReady(`no CNI network config found in ${confDir}`);
  return notReady(`no valid CNI network config in ${confDir}: ${problems.join('; ')}`);
}

/** Absolute path of a CNI plugin binary, searching bin_dirs in order. */
export async function findPlugin(type: string, binDirs: readonly string[]): Promise<string | undefined> {
  if (type.includes('/')) return undefined;
  for (const dir of binDirs) {
    const path = join(dir, type);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      /* try the next directory */
    }
  }
  return undefined;
}

function notReady(message: string): NetworkLookup {
  return { reason: 'NetworkPluginNotReady', message };
}
