// Typed wrapper of berth-sys (native/berth-sys.c, built next to berthd): the
// mount, umount and unshare system calls of the pod and container start/stop
// paths, one short exec each instead of util-linux mount/umount and
// unshare + sh + ip (2–5 ms less per call, measured in bench/RESULTS.md).
import { BerthError, Code, type Layer } from '../util/errors.js';
import { runTool } from '../util/run-tool.js';
import { locateHelper } from './binaries.js';
import { mapArg, type UsernsMappings } from '../util/idmap.js';

const NAME = 'berth-sys';
const TIMEOUT_MS = 30_000;
let located: Promise<string> | undefined;

function helper(layer: Layer): Promise<string> {
  located ??= locateHelper(NAME, 'BERTH_SYS_HELPER').then((p) => {
    if (p) return p;
    located = undefined;
    throw new BerthError(Code.FailedPrecondition, layer, `${NAME} helper not found next to berthd or in PATH (build it: node scripts/build.mjs)`);
  });
  return located;
}

async function run(layer: Layer, args: string[]): Promise<void> {
  await runTool({ layer, cmd: await helper(layer), args, timeoutMs: TIMEOUT_MS });
}

export type MountFlag = 'ro' | 'nosuid' | 'nodev' | 'noexec' | 'bind' | 'rec' | 'private';

export interface MountRequest {
  /** Filesystem type; '-' for none (bind mounts). */
  type: string;
  source: string;
  target: string;
  /** Filesystem options (mount(2) data); omitted for none. */
  data?: string;
  flags?: readonly MountFlag[];
  /** Directory relative paths in `data` are resolved from (overlay lower dirs). */
  cwd?: string;
}

/** Pure: the helper's argument vector for a mount. */
export function mountArgs(m: MountRequest): string[] {
  const args = ['mount'];
  if (m.cwd) args.push('--cwd', m.cwd);
  args.push(m.type, m.source, m.target, m.data ?? '-');
  if (m.flags && m.flags.length > 0) args.push(m.flags.join(','));
  return args;
}

export function sysMount(layer: Layer, m: MountRequest): Promise<void> {
  return run(layer, mountArgs(m));
}

/** Unmounts each target; not mounted or absent is fine, busy is detached lazily. */
export async function sysUnmount(layer: Layer, targets: readonly string[]): Promise<void> {
  if (targets.length > 0) await run(layer, ['umount', ...targets]);
}

export interface PinRequest {
  net?: string;
  ipc?: string;
  uts?: string;
  /** Set in the new UTS namespace. */
  hostname?: string;
  /** Bring lo up in the new network namespace. */
  loUp?: boolean;
  /** Create a user namespace with these mappings first, pinned at `pin`; the others then belong to it. */
  userns?: { pin: string; mappings: UsernsMappings };
}

/** Pure: the helper's argument vector for pinning new namespaces. */
export function pinArgs(p: PinRequest): string[] {
  const args = ['pin'];
  if (p.net) args.push(`--net=${p.net}`);
  if (p.ipc) args.push(`--ipc=${p.ipc}`);
  if (p.uts) args.push(`--uts=${p.uts}`);
  if (p.uts && p.hostname) args.push(`--hostname=${p.hostname}`);
  if (p.net && p.loUp) args.push('--lo');
  if (p.userns) args.push(`--user=${p.userns.pin}`, `--uid-map=${mapArg(p.userns.mappings.uids)}`, `--gid-map=${mapArg(p.userns.mappings.gids)}`);
  return args;
}

/** Creates new namespaces and pins them on the given (existing) files. */
export function sysPinNamespaces(layer: Layer, p: PinRequest): Promise<void> {
  return run(layer, pinArgs(p));
}

/** Attaches an idmapped clone of the mount tree at `source` on `target` (an existing file or directory). */
export function sysIdmap(layer: Layer, usernsPin: string, source: string, target: string): Promise<void> {
  return run(layer, ['idmap', `--userns=${usernsPin}`, source, target]);
}

/** Whether the mount at `path` can be idmapped (nothing is left mounted): undefined when it can, else why not. */
export async function sysProbeIdmap(path: string): Promise<string | undefined> {
  try {
    await run('runtime', ['probe-idmap', path]);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Mounts an overlay on `target` whose lower dirs are idmapped with the user namespace pinned at `usernsPin`. */
export function sysOverlayIdmap(layer: Layer, usernsPin: string, target: string, upper: string, work: string, lowers: readonly string[]): Promise<void> {
  return run(layer, ['overlay-idmap', `--userns=${usernsPin}`, target, upper, work, ...lowers]);
}
