// berthctl rmp [-f] [-a] POD-ID...: removes pods; a ready pod needs -f (then
// it is stopped first), as crictl does. Pods are handled concurrently and
// every failure is reported.
import { PodSandboxState } from '../../../api/gen/api.js';
import { ListPodSandbox, PodSandboxStatus, RemovePodSandbox, StopPodSandbox } from '../../../api/methods.js';
import { UsageError, type CliContext, type Verb } from '../../common/cli-context.js';
import { parseFlags } from './flags.js';

async function removeOne(ctx: CliContext, id: string, force: boolean): Promise<void> {
  let state: PodSandboxState | undefined;
  try {
    state = (await ctx.runtime.call(PodSandboxStatus, { podSandboxId: id, verbose: false })).status?.state;
  } catch (e) {
    throw new Error(`getting sandbox status of pod "${id}": ${(e as Error).message}`);
  }
  if (state === PodSandboxState.SANDBOX_READY) {
    if (!force) throw new Error(`pod sandbox "${id}" is running, please stop it first`);
    try {
      await ctx.runtime.call(StopPodSandbox, { podSandboxId: id });
    } catch (e) {
      throw new Error(`stopping the pod sandbox "${id}" failed: ${(e as Error).message}`);
    }
    ctx.print(`Stopped sandbox ${id}`);
  }
  try {
    await ctx.runtime.call(RemovePodSandbox, { podSandboxId: id });
  } catch (e) {
    throw new Error(`removing the pod sandbox "${id}": ${(e as Error).message}`);
  }
  ctx.print(`Removed sandbox ${id}`);
}

export const verb: Verb = {
  summary: 'Remove one or more pods',
  usage: `Usage: berthctl rmp [command options] POD-ID [POD-ID...]

Options:
  --all, -a    Remove all pods
  --force, -f  Force removal of the pod sandbox, disregarding if running`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('rmp', args, { force: { kind: 'bool', short: 'f' }, all: { kind: 'bool', short: 'a' } });
    let ids = positional;
    if (flags.all) ids = (await ctx.runtime.call(ListPodSandbox, {})).items.map((p) => p.id);
    if (ids.length === 0) {
      if (flags.all) return;
      throw new UsageError('rmp: at least one POD-ID (or --all) is needed');
    }
    const results = await Promise.allSettled(ids.map((id) => removeOne(ctx, id, flags.force === true)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).message);
    if (failures.length === 1) throw new Error(failures[0]);
    if (failures.length > 1) throw new Error(`[${failures.join(', ')}]`);
  },
};
