// What create and run share: reading a ContainerConfig file as crictl does
// (JSON or YAML, snake_case or camelCase), crictl's pull flags, and the pull
// before creation.
import { readFileSync } from 'node:fs';
import { ContainerConfig, type AuthConfig, type PodSandboxConfig } from '../../../api/gen/api.js';
import { PullImage } from '../../../api/methods.js';
import type { CliContext } from '../../common/cli-context.js';
import { parseTimeout } from '../../common/endpoint.js';
import { parseYaml } from '../../common/yaml-parse.js';
import type { FlagSpec, FlagValues } from './flags.js';

/** A deadline far enough to mean "none" (the transport needs a finite one). */
export const NO_DEADLINE_MS = 86_400_000;

export const PULL_FLAGS: Record<string, FlagSpec> = {
  'no-pull': { kind: 'bool' },
  'with-pull': { kind: 'bool' },
  'cancel-timeout': { kind: 'string', short: 'T' },
  auth: { kind: 'string' },
  creds: { kind: 'string' },
  username: { kind: 'string', short: 'u' },
  password: { kind: 'string' },
  'pull-timeout': { kind: 'string', short: 'P' },
};

export const PULL_FLAGS_HELP = `  --auth AUTH_STRING                Use AUTH_STRING for accessing the registry. AUTH_STRING is a base64 encoded 'USERNAME[:PASSWORD]'
  --cancel-timeout value, -T value  Seconds to wait for a container create request to complete before cancelling the request (default: 0s)
  --creds USERNAME[:PASSWORD]       Use USERNAME[:PASSWORD] for accessing the registry
  --password value                  Use PASSWORD for accessing the registry
  --pull-timeout value, -P value    Maximum time to be used for pulling the image, disabled if set to 0s (default: 0s)
  --username value, -u value        Use USERNAME for accessing the registry`;

export function loadContainerConfig(path: string): ContainerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `config at ${path} not found` : (e as Error).message);
  }
  let raw: unknown;
  try {
    raw = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${path}: not an object`);
  const config = ContainerConfig.fromJSON(raw);
  if (!config.metadata) throw new Error('metadata is not set');
  if (!config.metadata.name) throw new Error(`name is not in metadata ${JSON.stringify(config.metadata)}`);
  if (!config.image) throw new Error('image is not set');
  if (!config.image.image) throw new Error(`image field is not set in image ${JSON.stringify(config.image)}`);
  if (!config.image.userSpecifiedImage) config.image.userSpecifiedImage = config.image.image;
  return config;
}

/** crictl's --auth / --creds / --username+--password. */
export function authFrom(flags: FlagValues): AuthConfig | undefined {
  const auth = flags.auth as string | undefined;
  const creds = flags.creds as string | undefined;
  let username = (flags.username as string | undefined) ?? '';
  let password = (flags.password as string | undefined) ?? '';
  if (creds !== undefined) {
    const i = creds.indexOf(':');
    username = i < 0 ? creds : creds.slice(0, i);
    password = i < 0 ? '' : creds.slice(i + 1);
  }
  if (auth === undefined && !username) return undefined;
  return { username, password, auth: auth ?? '', serverAddress: '', identityToken: '', registryToken: '' };
}

/** Seconds-or-duration text ("30s", "2m", "10"); 0 / absent = undefined. */
export function durationMs(text: string | undefined): number | undefined {
  if (!text || text === '0' || text === '0s') return undefined;
  return parseTimeout(text);
}

/** Pulls the container's image (with the pod config, as the kubelet does); no deadline unless --pull-timeout. */
export async function pullImage(ctx: CliContext, config: ContainerConfig, podConfig: PodSandboxConfig | undefined, flags: FlagValues): Promise<void> {
  const image = config.image?.image ?? '';
  try {
    await ctx.image.call(
      PullImage,
      { image: { image, annotations: config.image?.annotations ?? {} }, auth: authFrom(flags), sandboxConfig: podConfig },
      { timeoutMs: durationMs(flags['pull-timeout'] as string | undefined) ?? NO_DEADLINE_MS },
    );
  } catch (e) {
    throw new Error(`pulling image "${image}": ${(e as Error).message}`);
  }
}
