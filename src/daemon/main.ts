// berthd: the Berth CRI daemon. `berthd [flags]` serves; `berthd config`
// prints the effective configuration as commented TOML.
import { parseArgs } from 'node:util';
import { loadConfig, type ConfigOverrides } from '../config/load.js';
import { renderConfig } from '../config/render.js';
import { detectCgroupHost } from '../cgroups/detect.js';
import { chooseDriver, type CgroupDriverSetting } from '../cgroups/driver.js';
import { BerthError, errorMessage } from '../util/errors.js';
import { createLogger } from '../util/log.js';
import { VERSION } from '../version.js';
import { startDaemon } from './daemon.js';

const USAGE = `Usage: berthd [flags]          serve the CRI on a unix socket
       berthd config [flags]   print the effective configuration (TOML)

Flags:
  --config FILE      configuration file (default /etc/berth/berth.toml; drop-ins in <file>.d/)
  --root DIR         persistent data (default /var/lib/berth)
  --state DIR        volatile state (default /run/berth)
  --listen ENDPOINT  CRI socket, unix:///path (default unix:///run/berth/berth.sock)
  --log-level LEVEL  debug | info | warn | error (default info)
  --version          print the version
  -h, --help         this help`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      root: { type: 'string' },
      state: { type: 'string' },
      listen: { type: 'string' },
      'log-level': { type: 'string' },
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`berthd ${VERSION}\n`);
    return 0;
  }
  const overrides: ConfigOverrides = {
    listen: values.listen,
    root: values.root,
    state: values.state,
    logLevel: values['log-level'],
  };
  const { config, files } = await loadConfig(values.config, overrides);
  const command = positionals[0];
  if (command === 'config') {
    process.stdout.write(renderConfig(config, files, await hostNotes(config.runtime.cgroup_manager)));
    return 0;
  }
  if (command !== undefined) throw new Error(`unknown command "${command}"\n${USAGE}`);

  const log = createLogger(config.log.level);
  const daemon = await startDaemon(config, files, log);
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      log.info('shutting down', { signal: sig });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await daemon.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`berthd: ${e instanceof BerthError ? e.message : errorMessage(e)}\n`);
    process.exit(1);
  },
);

/** What the cgroup driver setting resolves to on this host, for `berthd config`. */
async function hostNotes(setting: CgroupDriverSetting): Promise<Record<string, string>> {
  const host = await detectCgroupHost();
  const driver = chooseDriver(setting, host);
  return { 'runtime.cgroup_manager': `in use: ${driver} (cgroup v${host.version}, systemd ${host.systemdInit ? 'is' : 'is not'} PID 1)` };
}
