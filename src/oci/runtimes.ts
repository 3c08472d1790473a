// OCI runtimes by handler name ([runtime.handlers.NAME]): one OciRuntime per
// handler, its binary resolved once. An unknown handler is the caller's
// InvalidArgument; a handler whose binary is missing fails when used.
import type { BerthConfig } from '../config/schema.js';
import { BerthError, Code, invalidArgument } from '../util/errors.js';
import { resolveBinary } from './binaries.js';
import type { CgroupWarmer } from './cgroup-warmer.js';
import { OciRuntime } from './runtime.js';

export class RuntimeRegistry {
  private readonly runtimes = new Map<string, OciRuntime>();

  private constructor(private readonly config: BerthConfig) {}

  static async create(config: BerthConfig, warmer?: CgroupWarmer): Promise<RuntimeRegistry> {
    const reg = new RuntimeRegistry(config);
    for (const [name, h] of Object.entries(config.runtime.handlers)) {
      const path = await resolveBinary(h.path);
      if (path) reg.runtimes.set(name, new OciRuntime({ name, path, root: h.root, warmer }));
    }
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
}
