// berthctl run container-config pod-config: crictl's run — runs the pod,
// pulls the image (unless --no-pull or disable-pull-on-run), creates and
// starts the container, prints the container's ID.
import { CreateContainer, RunPodSandbox, StartContainer } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { durationMs, loadContainerConfig, PULL_FLAGS, PULL_FLAGS_HELP, pullImage } from './container-config.js';
import { parseFlags } from './flags.js';
import { loadPodConfig } from './runp.js';

export const verb: Verb = {
  summary: 'Run a new container inside a sandbox',
  usage: `Usage: berthctl run [command options] container-config.[json|yaml] pod-config.[json|yaml]

Runs a pod from pod-config, then creates and starts the container of container-config in it; prints the container's ID.

Options:
  --no-pull                         Do not pull the image (overrides disable-pull-on-run=false in config)
  --runtime value, -r value         Runtime handler to use. Available options are defined by the container runtime.
  --with-pull                       Pull the image (overrides disable-pull-on-run=true in config)
${PULL_FLAGS_HELP}`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('run', args, { ...PULL_FLAGS, runtime: { kind: 'string', short: 'r' } });
    if (positional.length !== 2) throw new UsageError('run: needs container-config.[json|yaml] and pod-config.[json|yaml]');
    if (flags['no-pull'] && flags['with-pull']) throw new UsageError('conflict: no-pull and with-pull are both set');
    const withPull = (!ctx.endpoints.disablePullOnRun && !flags['no-pull']) || flags['with-pull'] === true;
    const [configPath, podConfigPath] = positional as [string, string];
    let podConfig;
    let podId: string;
    try {
      podConfig = loadPodConfig(podConfigPath);
      podId = (await ctx.runtime.call(RunPodSandbox, { config: podConfig, runtimeHandler: (flags.runtime as string | undefined) ?? '' })).podSandboxId;
    } catch (e) {
      throw new Error(`running container: run pod sandbox: ${(e as Error).message}`);
    }
    let id: string;
    try {
      const config = loadContainerConfig(configPath);
      if (withPull) await pullImage(ctx, config, podConfig, flags);
      const timeoutMs = durationMs(flags['cancel-timeout'] as string | undefined);
      id = (await ctx.runtime.call(CreateContainer, { podSandboxId: podId, config, sandboxConfig: podConfig }, timeoutMs ? { timeoutMs } : {})).containerId;
    } catch (e) {
      throw new Error(`running container: creating container failed: ${(e as Error).message}`);
    }
    try {
      await ctx.runtime.call(StartContainer, { containerId: id });
    } catch (e) {
      throw new Error(`running container: starting the container "${id}": ${(e as Error).message}`);
    }
    ctx.print(id);
  },
};
