// berthctl runp [--runtime H] [--cancel-timeout D] pod-config.[json|yaml]:
// runs a pod from a CRI PodSandboxConfig in protobuf-JSON or YAML (snake_case
// as crictl's files use, or camelCase), prints its id.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PodSandboxConfig } from '../../../api/gen/api.js';
import { RunPodSandbox } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseTimeout } from '../../common/endpoint.js';
import { parseYaml } from '../../common/yaml-parse.js';
import { parseFlags } from './flags.js';

/** Reads a pod config file as crictl does: JSON or YAML; uid generated when missing; name and namespace required. */
export function loadPodConfig(path: string): PodSandboxConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `load podSandboxConfig: config at ${path} not found` : `load podSandboxConfig: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`load podSandboxConfig: ${path}: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`load podSandboxConfig: ${path}: not an object`);
  const config = PodSandboxConfig.fromJSON(raw);
  if (!config.metadata) throw new Error('load podSandboxConfig: metadata is not set');
  if (!config.metadata.uid) config.metadata.uid = randomUUID();
  if (!config.metadata.name || !config.metadata.namespace) throw new Error('load podSandboxConfig: name or namespace is not in metadata');
  return config;
}

export const verb: Verb = {
  summary: 'Run a new pod',
  usage: `Usage: berthctl runp [command options] pod-config.[json|yaml]

Options:
  --runtime value, -r value         Runtime handler to use. Available options are defined by the container runtime.
  --cancel-timeout value, -T value  Seconds to wait for a run pod sandbox request to complete before cancelling the request (default: 0s)`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('runp', args, { runtime: { kind: 'string', short: 'r' }, 'cancel-timeout': { kind: 'string', short: 'T' } });
    if (positional.length !== 1) throw new UsageError('runp: exactly one pod-config.[json|yaml] is needed');
    const config = loadPodConfig(positional[0] as string);
    const cancel = flags['cancel-timeout'] as string | undefined;
    const timeoutMs = cancel && cancel !== '0' && cancel !== '0s' ? parseTimeout(cancel) : undefined;
    try {
      const res = await ctx.runtime.call(RunPodSandbox, { config, runtimeHandler: (flags.runtime as string | undefined) ?? '' }, timeoutMs ? { timeoutMs } : {});
      ctx.print(res.podSandboxId);
    } catch (e) {
      throw new Error(`run pod sandbox: ${(e as Error).message}`);
    }
  },
};
