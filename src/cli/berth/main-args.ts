// berth's global flags: they come before the verb (docker's rule).
import { parseGlobalFlags, type ValueFlag } from '../common/global-flags.js';

export interface Globals {
  host?: string;
  image?: string;
  config?: string;
  timeout?: string;
  debug: boolean;
  help: boolean;
  version: boolean;
}

const SPELLING: Record<string, ValueFlag> = {
  '--host': 'endpoint',
  '-H': 'endpoint',
  '--runtime-endpoint': 'endpoint',
  '-r': 'endpoint',
  '--image-endpoint': 'image',
  '--config': 'config',
  '--timeout': 'timeout',
};

export const GLOBAL_FLAGS_HELP = `  -H, --host string        CRI endpoint (unix socket) of the runtime [$CONTAINER_RUNTIME_ENDPOINT]
                           (default unix:///run/berth/berth.sock; /etc/crictl.yaml is read too)
      --image-endpoint string  CRI endpoint of the image service, when it is another one
      --config string      crictl-style config file (default /etc/crictl.yaml)
      --timeout duration   Timeout of each runtime call (default 10s)
  -D, --debug              Show the gRPC detail of errors
  -h, --help               Print usage
  -v, --version            Print version information and quit`;

export const GLOBAL_FLAG_NAMES = ['--host', '-H', '--image-endpoint', '--config', '--timeout', '--debug', '-D', '--help', '-h', '--version', '-v'];

export function parseGlobals(argv: readonly string[]): { globals: Globals; rest: string[] } {
  const { flags, rest } = parseGlobalFlags(argv, SPELLING, (a) => `unknown flag: ${a}; see 'berth --help'`);
  const v = flags.values;
  const globals: Globals = { debug: flags.debug, help: flags.help, version: flags.version };
  if (v.endpoint !== undefined) globals.host = v.endpoint;
  if (v.image !== undefined) globals.image = v.image;
  if (v.config !== undefined) globals.config = v.config;
  if (v.timeout !== undefined) globals.timeout = v.timeout;
  return { globals, rest };
}
