// berthctl create POD container-config pod-config: creates a container in a
// pod, as crictl does — configs in JSON or YAML, the image pulled first only
// with --with-pull (or pull-image-on-create in the crictl config), prints the id.
import { CreateContainer } from '../../../api/methods.js';
import { UsageError, type CliContext, type Verb } from '../../common/cli-context.js';
import { durationMs, loadContainerConfig, PULL_FLAGS, PULL_FLAGS_HELP, pullImage } from './container-config.js';
import { resolvePodId } from './container-list.js';
import { parseFlags, type FlagValues } from './flags.js';
import { loadPodConfig } from './runp.js';

/** Loads both configs, finds the pod, pulls when asked, creates; the new container's id. */
export async function createContainer(ctx: CliContext, pod: string, configPath: string, podConfigPath: string, flags: FlagValues, withPull: boolean): Promise<string> {
  const config = loadContainerConfig(configPath);
  const podConfig = loadPodConfig(podConfigPath);
  const podId = await resolvePodId(ctx, pod);
  if (withPull) await pullImage(ctx, config, podConfig, flags);
  const timeoutMs = durationMs(flags['cancel-timeout'] as string | undefined);
  const res = await ctx.runtime.call(CreateContainer, { podSandboxId: podId, config, sandboxConfig: podConfig }, timeoutMs ? { timeoutMs } : {});
  return res.containerId;
}

export const verb: Verb = {
  summary: 'Create a new container',
  usage: `Usage: berthctl create [command options] POD container-config.[json|yaml] pod-config.[json|yaml]

Creates a container in the pod POD (an ID or a unique prefix of one) and prints its ID.

Options:
  --no-pull                         Do not pull the image on container creation (overrides pull-image-on-create=true in config)
  --with-pull                       Pull the image on container creation (overrides pull-image-on-create=false in config)
${PULL_FLAGS_HELP}`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('create', args, PULL_FLAGS);
    if (positional.length !== 3) throw new UsageError('create: needs POD, container-config.[json|yaml] and pod-config.[json|yaml]');
    if (flags['no-pull'] && flags['with-pull']) throw new UsageError('conflict: no-pull and with-pull are both set');
    const withPull = (!flags['no-pull'] && ctx.endpoints.pullImageOnCreate === true) || flags['with-pull'] === true;
    const [pod, configPath, podConfigPath] = positional as [string, string, string];
    try {
      ctx.print(await createContainer(ctx, pod, configPath, podConfigPath, flags, withPull));
    } catch (e) {
      throw new Error(`creating container: ${(e as Error).message}`);
    }
  },
};
