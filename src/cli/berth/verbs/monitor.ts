// berth monitor cpu|memory|network: a top-like live view of the node's
// containers (sorted by use, against their limits, with a sparkline of the
// last samples), redrawn in place; --once prints one snapshot, --json
// machine output (one document per sample, JSON lines when live).
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../../common/cli-context.js';
import { parseTimeout } from '../../common/endpoint.js';
import { toJson } from '../../common/output.js';
import { exitQuietlyOnClosedPipe } from '../../common/pipe.js';
import { bool, str } from '../args.js';
import { dockerTable } from '../docker-format.js';
import { wrapError } from '../errors.js';
import { jsonDoc, keyOf, metric, RESOURCES, rowsFor, SPARK_WIDTH, tableLines, type Resource } from '../monitor-view.js';
import { Sampler } from '../sampler.js';
import { LiveScreen } from '../screen.js';
import { History } from '../sparkline.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'monitor cpu|memory|network [OPTIONS]',
  description: `A live, top-like view of the node's running containers (every pod's, not only berth's): for cpu and memory each container's use against its limit, for network each pod's receive and transmit rates; sorted by use, highest first, with a sparkline of the last ${SPARK_WIDTH} samples.

The view is redrawn in place on the alternate screen with plain ANSI sequences (any terminal, also over SSH) until Ctrl-C, which restores the terminal. CPU is measured between two samples, so the first frame appears after one interval.

--once prints a single snapshot (after one interval) and exits; --json prints JSON instead (with --once one document, otherwise one line per sample). When the output is not a terminal, each sample is printed after the previous one.`,
  flags: [
    { name: 'pod', kind: 'string', value: 'string', help: 'Only the containers of this pod (name or ID prefix)', complete: 'none' },
    { name: 'interval', kind: 'string', value: 'duration', help: 'Time between samples (1s, 500ms, 2)', default: '1s', complete: 'none' },
    { name: 'once', kind: 'bool', help: 'Print one snapshot and exit' },
    { name: 'json', kind: 'bool', help: 'Machine-readable output' },
    { name: 'berth-only', kind: 'bool', help: "Only berth's own containers" },
  ],
  positional: [RESOURCES],
  examples: ['berth monitor cpu', 'berth monitor memory --pod web', 'berth monitor network --interval 2s', 'berth monitor cpu --once --json'],
  async run(ctx, p) {
    const res = p.args[0] as Resource | undefined;
    if (p.args.length !== 1 || !res || !RESOURCES.includes(res)) throw new UsageError("monitor: say what to watch: cpu, memory or network; see 'berth monitor --help'");
    let intervalMs: number;
    try {
      intervalMs = parseTimeout(str(p.flags, 'interval') ?? '1s');
    } catch {
      throw new UsageError(`monitor: invalid --interval "${str(p.flags, 'interval')}": use e.g. 1s, 500ms or 2`);
    }
    if (intervalMs < 100) throw new UsageError('monitor: --interval must be at least 100ms');
    const pod = str(p.flags, 'pod');
    const sampler = new Sampler(ctx, { berthOnly: bool(p.flags, 'berth-only'), ...(pod ? { pod } : {}) });
    const hist = new History(SPARK_WIDTH);
    const once = bool(p.flags, 'once');
    const json = bool(p.flags, 'json');
    const take = async () => {
      try {
        const rows = await sampler.sample();
        const keys = new Set<string>();
        for (const r of rowsFor(rows, res)) {
          const k = keyOf(r, res);
          keys.add(k);
          if (res !== 'cpu' || r.cpuMillis !== undefined) hist.push(k, metric(r, res));
        }
        hist.retain(keys);
        return rows;
      } catch (e) {
        throw wrapError('sampling resource use', e);
      }
    };
    await take(); // the baseline for rates
    const live = !once && !json && process.stdout.isTTY === true;
    const screen = live ? new LiveScreen() : undefined;
    exitQuietlyOnClosedPipe();
    screen?.enter();
    try {
      for (;;) {
        await sleep(intervalMs);
        const rows = await take();
        const at = new Date();
        if (json) {
          const doc = jsonDoc(rows, res, at);
          ctx.print(once ? toJson(doc) : JSON.stringify(doc));
        } else {
          const header = `berth monitor ${res} — ${rowsFor(rows, res).length} ${res === 'network' ? 'pods' : 'containers'} — every ${intervalMs / 1000}s — ${at.toTimeString().slice(0, 8)}${live ? '   (Ctrl-C to quit)' : ''}`;
          const table = rows.length ? dockerTable(tableLines(rows, res, hist)).split('\n') : ['(no running containers)'];
          if (screen) screen.draw([header, '', ...table]);
          else ctx.print([header, ...table, ''].join('\n'));
        }
        if (once) return 0;
      }
    } finally {
      screen?.leave();
    }
  },
};
