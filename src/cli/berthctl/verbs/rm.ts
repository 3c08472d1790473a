// berthctl rm [-f] [-a] [-k] ID...: removes containers concurrently, as
// crictl does — a running one only with -f (stopped at once first), then
// its log file and rotations are deleted unless --keep-logs. Prints each ID
// (twice for a stopped-then-removed one, like crictl); every failure is reported.
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ContainerState } from '../../../api/gen/api.js';
import { ContainerStatus, ListContainers, RemoveContainer } from '../../../api/methods.js';
import { UsageError, type CliContext, type Verb } from '../../common/cli-context.js';
import { resolveContainerId } from './container-list.js';
import { parseFlags } from './flags.js';
import { stopContainer } from './stop.js';

interface RmOptions {
  force: boolean;
  keepLogs: boolean;
}

async function removeOne(ctx: CliContext, arg: string, o: RmOptions): Promise<void> {
  let id: string;
  let status;
  try {
    id = await resolveContainerId(ctx, arg);
    status = (await ctx.runtime.call(ContainerStatus, { containerId: id, verbose: false })).status;
  } catch (e) {
    throw new Error(`getting container status "${arg}": ${(e as Error).message}`);
  }
  if (status?.state === ContainerState.CONTAINER_RUNNING) {
    if (!o.force) throw new Error(`container "${arg}" is running, please stop it first`);
    try {
      await stopContainer(ctx, id, 0);
    } catch (e) {
      throw new Error(`stopping the container "${arg}": ${(e as Error).message}`);
    }
    ctx.print(arg);
  }
  try {
    await ctx.runtime.call(RemoveContainer, { containerId: id });
  } catch (e) {
    throw new Error(`removing container "${arg}": ${(e as Error).message}`);
  }
  ctx.print(arg);
  if (!o.keepLogs && status?.logPath) await removeLogs(status.logPath);
}

/** The log file and its rotations (<log>.*), as crictl removes them; failures are warnings. */
async function removeLogs(logPath: string): Promise<void> {
  const dir = dirname(logPath);
  const name = basename(logPath);
  const files = [logPath, ...(await readdir(dir).catch(() => [])).filter((f) => f.startsWith(`${name}.`)).map((f) => join(dir, f))];
  for (const f of files) {
    await rm(f, { force: true }).catch((e: unknown) => process.stderr.write(`berthctl: removing log file ${f}: ${(e as Error).message}\n`));
  }
}

export const verb: Verb = {
  summary: 'Remove one or more containers',
  usage: `Usage: berthctl rm [command options] CONTAINER-ID [CONTAINER-ID...]

Options:
  --all, -a        Remove all containers
  --force, -f      Force removal of the container, disregarding if running
  --keep-logs, -k  Preserve the container log file and its rotations`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('rm', args, {
      force: { kind: 'bool', short: 'f' },
      all: { kind: 'bool', short: 'a' },
      'keep-logs': { kind: 'bool', short: 'k' },
    });
    let ids = positional;
    if (flags.all) ids = (await ctx.runtime.call(ListContainers, {})).containers.map((c) => c.id);
    if (ids.length === 0) {
      if (flags.all) return;
      throw new UsageError('rm: at least one CONTAINER-ID (or --all) is needed');
    }
    const o = { force: flags.force === true, keepLogs: flags['keep-logs'] === true };
    const results = await Promise.allSettled(ids.map((id) => removeOne(ctx, id, o)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).message);
    if (failures.length) throw new Error(failures.join('\nberthctl: '));
  },
};
