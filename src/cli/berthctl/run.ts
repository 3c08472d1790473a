// berthctl: a crictl-compatible CRI client. Global flags come before the verb
// (as with crictl); each verb lives in its own module, loaded on demand.
import { UsageError, withCliContext, type Verb } from '../common/cli-context.js';
import { parseGlobals, wantsHelp } from './main-args.js';
import { VERSION } from '../../version.js';

const VERBS: Record<string, { summary: string; load: () => Promise<{ verb: Verb }> }> = {
  version: { summary: 'Display runtime version information', load: () => import('./verbs/version.js') },
  info: { summary: 'Display information of the container runtime', load: () => import('./verbs/info.js') },
  runp: { summary: 'Run a new pod', load: () => import('./verbs/runp.js') },
  pods: { summary: 'List pods', load: () => import('./verbs/pods.js') },
  inspectp: { summary: 'Display the status of one or more pods', load: () => import('./verbs/inspectp.js') },
  stopp: { summary: 'Stop one or more running pods', load: () => import('./verbs/stopp.js') },
  rmp: { summary: 'Remove one or more pods', load: () => import('./verbs/rmp.js') },
  create: { summary: 'Create a new container', load: () => import('./verbs/create.js') },
  start: { summary: 'Start one or more created containers', load: () => import('./verbs/start.js') },
  run: { summary: 'Run a new container inside a sandbox', load: () => import('./verbs/run.js') },
  stop: { summary: 'Stop one or more running containers', load: () => import('./verbs/stop.js') },
  rm: { summary: 'Remove one or more containers', load: () => import('./verbs/rm.js') },
  ps: { summary: 'List containers', load: () => import('./verbs/ps.js') },
  inspect: { summary: 'Display the status of one or more containers', load: () => import('./verbs/inspect.js') },
  logs: { summary: 'Fetch the logs of a container', load: () => import('./verbs/logs.js') },
  update: { summary: 'Update one or more running containers', load: () => import('./verbs/update.js') },
  stats: { summary: 'List container(s) resource usage statistics', load: () => import('./verbs/stats.js') },
  statsp: { summary: 'List pod statistics', load: () => import('./verbs/statsp.js') },
  metricsp: { summary: 'List pod metrics (cAdvisor-compatible)', load: () => import('./verbs/metricsp.js') },
  metricdescs: { summary: 'List metric descriptors', load: () => import('./verbs/metricdescs.js') },
  events: { summary: 'Stream the events of containers', load: () => import('./verbs/events.js') },
  checkpoint: { summary: 'Checkpoint one or more running containers', load: () => import('./verbs/checkpoint.js') },
  pull: { summary: 'Pull an image from a registry', load: () => import('./verbs/pull.js') },
  images: { summary: 'List images', load: () => import('./verbs/images.js') },
  inspecti: { summary: 'Return the status of one or more images', load: () => import('./verbs/inspecti.js') },
  rmi: { summary: 'Remove one or more images', load: () => import('./verbs/rmi.js') },
  imagefsinfo: { summary: 'Return image filesystem info', load: () => import('./verbs/imagefsinfo.js') },
  exec: { summary: 'Run a command in a running container', load: () => import('./verbs/exec.js') },
  attach: { summary: 'Attach to a running container', load: () => import('./verbs/attach.js') },
  'port-forward': { summary: 'Forward local port to a pod', load: () => import('./verbs/port-forward.js') },
  completion: { summary: 'Output shell completion code (bash or zsh)', load: () => import('./verbs/completion.js').then((m) => m.forVerbs(VERBS)) },
};

const USAGE = `berthctl - client for CRI runtimes (crictl-compatible)

Usage: berthctl [global options] command [command options] [arguments...]

Commands:
${Object.entries(VERBS)
  .map(([n, v]) => `  ${n.padEnd(14)}${v.summary}`)
  .join('\n')}

Global options:
  --config value, -c value            Location of the client config file (default: /etc/crictl.yaml) [$CRI_CONFIG_FILE]
  --runtime-endpoint value, -r value  Endpoint of CRI container runtime service [$CONTAINER_RUNTIME_ENDPOINT]
  --image-endpoint value, -i value    Endpoint of CRI image manager service [$IMAGE_SERVICE_ENDPOINT]
  --timeout value, -t value           Timeout of connecting to the server (default: 2s)
  --debug, -D                         Enable debug mode
  --help, -h                          show help
  --version, -v                       print the version`;

async function main(argv: string[]): Promise<number> {
  const { globals, rest } = parseGlobals(argv);
  if (globals.version) {
    process.stdout.write(`berthctl version ${VERSION}\n`);
    return 0;
  }
  const [name, ...args] = rest;
  if (globals.help || name === undefined || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const entry = VERBS[name];
  if (!entry) throw new UsageError(`unknown command "${name}"; see berthctl --help`);
  const { verb } = await entry.load();
  if (wantsHelp(args)) {
    process.stdout.write(`${verb.usage}\n`);
    return 0;
  }
  const inputs = { runtimeFlag: globals.runtime, imageFlag: globals.image, timeoutFlag: globals.timeout, configFile: globals.config, env: process.env };
  return withCliContext(inputs, globals.debug, (ctx) => verb.run(ctx, args));
}

/** Runs berthctl with these arguments (after the program name); sets the exit code. */
export function runBerthctl(argv: string[]): Promise<void> {
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      const debug = argv.includes('--debug') || argv.includes('-D');
      process.stderr.write(`berthctl: ${e instanceof Error ? e.message : String(e)}\n`);
      if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
      process.exitCode = 1;
    },
  );
}
