// berth's global flags: they come before the verb (docker's rule).
import { UsageError } from '../common/cli-context.js';

export interface Globals {
  host?: string;
  image?: string;
  config?: string;
  timeout?: string;
  debug: boolean;
  help: boolean;
  version: boolean;
}

const WITH_VALUE: Record<string, 'host' | 'image' | 'config' | 'timeout'> = {
  '--host': 'host',
  '-H': 'host',
  '--runtime-endpoint': 'host',
  '-r': 'host',
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
  const g: Globals = { debug: false, help: false, version: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('-')) break;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const field = WITH_VALUE[name];
    if (field) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`flag ${name} needs a value`);
      g[field] = value;
    } else if (a === '--debug' || a === '-D') g.debug = true;
    else if (a === '--help' || a === '-h') g.help = true;
    else if (a === '--version' || a === '-v') g.version = true;
    else throw new UsageError(`unknown flag: ${a}; see 'berth --help'`);
  }
  return { globals: g, rest: argv.slice(i) };
}
