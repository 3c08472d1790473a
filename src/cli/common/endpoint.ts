// Which CRI endpoint a CLI talks to, resolved as crictl does: flag, then
// environment (CONTAINER_RUNTIME_ENDPOINT / IMAGE_SERVICE_ENDPOINT), then the
// crictl-style config file (/etc/crictl.yaml), then Berth's default socket.
import { readFileSync } from 'node:fs';

export const DEFAULT_ENDPOINT = 'unix:///run/berth/berth.sock';
export const DEFAULT_CLI_CONFIG = '/etc/crictl.yaml';

export interface EndpointInputs {
  runtimeFlag?: string;
  imageFlag?: string;
  timeoutFlag?: string;
  configFile?: string;
  env: NodeJS.ProcessEnv;
}

export interface ResolvedEndpoints {
  runtime: string;
  image: string;
  timeoutMs: number;
  debug: boolean;
  /** crictl's config keys for create/run: pull-image-on-create, disable-pull-on-run. */
  pullImageOnCreate?: boolean;
  disablePullOnRun?: boolean;
}

export function resolveEndpoints(inp: EndpointInputs): ResolvedEndpoints {
  const file = readCliConfig(inp.configFile ?? inp.env.CRI_CONFIG_FILE ?? DEFAULT_CLI_CONFIG, inp.configFile !== undefined);
  const runtime = inp.runtimeFlag ?? inp.env.CONTAINER_RUNTIME_ENDPOINT ?? file['runtime-endpoint'] ?? DEFAULT_ENDPOINT;
  const image = inp.imageFlag ?? inp.env.IMAGE_SERVICE_ENDPOINT ?? file['image-endpoint'] ?? runtime;
  const timeoutText = inp.timeoutFlag ?? file.timeout;
  return {
    runtime: normalizeEndpoint(runtime),
    image: normalizeEndpoint(image),
    timeoutMs: timeoutText === undefined ? 2000 : parseTimeout(timeoutText),
    debug: file.debug === 'true',
    pullImageOnCreate: file['pull-image-on-create'] === 'true',
    disablePullOnRun: file['disable-pull-on-run'] === 'true',
  };
}

/** crictl accepts "2s", "500ms" and bare seconds ("10"). */
export function parseTimeout(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid timeout "${text}": use e.g. 2s, 500ms or 10`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n : unit === 'm' ? n * 60_000 : n * 1000;
}

export function normalizeEndpoint(e: string): string {
  if (e.startsWith('unix://')) return e;
  if (e.startsWith('/')) return `unix://${e}`;
  throw new Error(`unsupported endpoint "${e}": use unix:///path/to.sock`);
}

/** The crictl config is flat "key: value" YAML; that subset is all we read. */
export function parseFlatYaml(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i <= 0) continue;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

function readCliConfig(path: string, required: boolean): Record<string, string> {
  try {
    return parseFlatYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read config ${path}: ${(e as Error).message}`);
  }
}
