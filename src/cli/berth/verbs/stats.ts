// berth stats: docker stats' table (CONTAINER ID, NAME, CPU %, MEM USAGE /
// LIMIT, MEM %, NET I/O, PIDS) from the CRI stats calls, refreshed every
// second, or once with --no-stream. CPU % is of one CPU, as docker's.
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerStatus } from '../../../api/methods.js';
import type { CliContext } from '../../common/cli-context.js';
import { exitQuietlyOnClosedPipe } from '../../common/pipe.js';
import { pidCount } from '../proc-table.js';
import { bool } from '../args.js';
import { binarySize, dockerTable, humanSize, shortId } from '../docker-format.js';
import { wrapError } from '../errors.js';
import { nodeMemory, Sampler, type UsageRow } from '../sampler.js';
import { LiveScreen } from '../screen.js';
import type { BerthVerb } from '../verb.js';

export function statsTable(rows: readonly UsageRow[], noTrunc: boolean, nodeMem: number): string[][] {
  const out = [['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'PIDS']];
  for (const r of [...rows].sort((a, b) => a.name.localeCompare(b.name))) {
    const limit = r.memoryLimitBytes ?? nodeMem;
    out.push([
      noTrunc ? r.id : shortId(r.id),
      r.name,
      r.cpuMillis === undefined ? '--' : `${(r.cpuMillis / 10).toFixed(2)}%`,
      `${binarySize(r.memoryBytes)} / ${binarySize(limit)}`,
      `${((r.memoryBytes / limit) * 100).toFixed(2)}%`,
      `${humanSize(r.rxBytes)} / ${humanSize(r.txBytes)}`,
      r.pids === undefined ? '--' : String(r.pids),
    ]);
  }
  return out;
}

/** PIDS per container from its own cgroup (the CRI's container stats have no process count). */
async function withPids(ctx: CliContext, rows: UsageRow[]): Promise<void> {
  await Promise.all(
    rows.map(async (r) => {
      const info = (await ctx.runtime.call(ContainerStatus, { containerId: r.id, verbose: true }).catch(() => undefined))?.info.info;
      const pid = info ? (JSON.parse(info) as { pid?: number }).pid : undefined;
      r.pids = pid ? await pidCount(pid) : undefined;
    }),
  );
}

export const verb: BerthVerb = {
  synopsis: 'stats [OPTIONS] [CONTAINER...]',
  description: `Display a live stream of the resource use of running containers (berth's own, or every container with --all-pods), refreshed every second until Ctrl-C. CPU % is of one CPU over the last second; MEM is the working set against the limit (the node's memory when there is none); NET I/O is the pod's; PIDS is read from the container's cgroup on this node.`,
  flags: [
    { name: 'no-stream', kind: 'bool', help: 'Print one sample and exit (after one second, to measure CPU)' },
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { name: 'all-pods', kind: 'bool', help: 'Include containers berth did not make' },
  ],
  positional: ['running'],
  examples: ['berth stats', 'berth stats --no-stream web'],
  async run(ctx, p) {
    const sampler = new Sampler(ctx, { berthOnly: !bool(p.flags, 'all-pods') && p.args.length === 0, containers: p.args });
    const noTrunc = bool(p.flags, 'no-trunc');
    const mem = nodeMemory();
    const sample = async (): Promise<UsageRow[]> => sampler.sample().catch((e: unknown) => Promise.reject(wrapError('reading container stats', e)));
    await sample();
    const stream = !bool(p.flags, 'no-stream');
    const screen = stream && process.stdout.isTTY ? new LiveScreen() : undefined;
    exitQuietlyOnClosedPipe();
    screen?.enter();
    try {
      for (;;) {
        await sleep(1000);
        const rows = await sample();
        await withPids(ctx, rows);
        const text = dockerTable(statsTable(rows, noTrunc, mem));
        if (screen) screen.draw(text.split('\n'));
        else ctx.print(text);
        if (!stream) return 0;
      }
    } finally {
      screen?.leave();
    }
  },
};
