// OCI runtimes by handler name ([runtime.handlers.NAME]): one OciRuntime per
// handler, its binary resolved and its features probed once. An unknown
// handler is the caller's InvalidArgument; a handler whose binary is missing
// fails when used (and advertises no features).
import type { BerthConfig } from '../config/schema.js';
import { BerthError, Code, invalidArgument } from '../util/errors.js';
import { resolveBinary } from './binaries.js';
import type { CgroupWarmer } from '../cgroups/warmer.js';
import { NO_FEATURES, probeHandlerFeatures, type HandlerFeatures } from './runtime-features.js';
import { OciRuntime } from './runtime.js';
import { sysProbeIdmap } from './berth-sys.js';

export interface HandlerInfo {
  name: string;
  /** Resolved binary; undefined when it was not found. */
  path: string | undefined;
  features: HandlerFeatures;
}

export class RuntimeRegistry {
  private readonly runtimes = new Map<string, OciRuntime>();
  private readonly infos = new Map<string, HandlerInfo>();

  private constructor(private readonly config: BerthConfig) {}

  /** Why this host cannot run user-namespaced pods; undefined when it can. */
  usernsUnsupported: string | undefined;

  static async create(config: BerthConfig, warmer?: CgroupWarmer, cgroupArgs: readonly string[] = []): Promise<RuntimeRegistry> {
    const reg = new RuntimeRegistry(config);
    // The layer store must take idmapped mounts (overlay's lower dirs, volumes alike).
    reg.usernsUnsupported = await sysProbeIdmap(config.storage.root);
    await Promise.all(
      Object.entries(config.runtime.handlers).map(async ([name, h]) => {
        const path = await resolveBinary(h.path);
        if (path) reg.runtimes.set(name, new OciRuntime({ name, path, root: h.root, warmer, cgroupArgs }));
        reg.infos.set(name, { name, path, features: await probeHandlerFeatures(path, reg.usernsUnsupported === undefined) });
      }),
    );
    return reg;
  }

  /** The runtime of a handler ("" = the default handler). */
  get(handler: string): OciRuntime {
    const name = handler || this.config.runtime.default_handler;
    const rt = this.runtimes.get(name);
    if (rt) return rt;
    if (!(name in this.config.runtime.handlers)) throw invalidArgument('cri', `runtime handler "${name}" is not configured`);
    throw new BerthError(Code.FailedPrecondition, 'runtime', `runtime handler "${name}": binary "${this.config.runtime.handlers[name]?.path}" not found`);
  }

  /** Why a configured handler cannot run containers (its binary was not found); undefined when it can. */
  problem(handler: string): string | undefined {
    const name = handler || this.config.runtime.default_handler;
    if (this.runtimes.has(name) || !(name in this.config.runtime.handlers)) return undefined;
    return `runtime handler "${name}": binary "${this.config.runtime.handlers[name]?.path}" not found`;
  }

  /** Features of a handler ("" = the default); none for an unknown handler. */
  features(handler: string): HandlerFeatures {
    return this.infos.get(handler || this.config.runtime.default_handler)?.features ?? NO_FEATURES;
  }

  /** Every configured handler in configuration order. */
  handlers(): HandlerInfo[] {
    return Object.keys(this.config.runtime.handlers).map((name) => this.infos.get(name) ?? { name, path: undefined, features: NO_FEATURES });
  }
}
