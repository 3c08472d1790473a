// The full churn run of issue 8 (the CI-sized one is test/integration/churn.test.ts):
// N whole pod lifecycles (run pod, create + start, ExecSync, stop, remove),
// P at a time, against a real berthd, registry and CNI. Prints berthd's RSS
// and PSS as they are 2 s after 30, 100, 200 and every further 100
// lifecycles, then RSS, PSS, V8 heap and fds after a forced full GC (heap
// used flat while RSS grows is heap sizing; heap used growing is a leak),
// lifecycle latencies, and the leak check's findings (none expected).
// Run as root: node scripts/build.mjs && node --import tsx bench/churn.ts [total=500] [parallel=4]
import { PullImage } from '../src/api/methods.js';
import { churn, figuresAfterGc, MEASURED_ENV, percentile, settledFigures, type ProcessFigures } from '../test/support/churn.js';
import { memOf, type Mem } from '../test/support/memory.js';
import { leftovers, startNode, startTestRegistry, stopNode } from '../test/support/reliability.js';

const total = Number(process.argv[2] ?? 500);
const parallel = Number(process.argv[3] ?? 4);
const WARMUP = 20;
const MARKS = [30, 100, 200, ...Array.from({ length: 100 }, (_, i) => 300 + 100 * i)].filter((m) => m < total).concat(total);

const reg = await startTestRegistry();
const n = await startNode({ env: MEASURED_ENV });
try {
  await n.d.client.call(PullImage, { image: { image: reg.busybox } });
  const pid = n.d.proc.pid as number;
  const idle = await figuresAfterGc(pid, n.d.logs());
  await churn(n, reg.busybox, WARMUP, parallel, 'warm');
  const start = await figuresAfterGc(pid, n.d.logs());
  const row = (label: string, asIs: Mem | undefined, f: ProcessFigures & { heapUsedKiB: number }): string =>
    `| ${label.padEnd(16)} | ${asIs ? `${asIs.rssKiB} | ${asIs.pssKiB}` : '| '} | ${f.rssKiB} | ${f.pssKiB} | ${f.heapUsedKiB} | ${f.fds} |`;
  const rows = [row('after warm-up', undefined, start)];
  const ms: number[] = [];
  const ids: string[] = [];
  const t0 = performance.now();
  let done = 0;
  for (const mark of MARKS) {
    const r = await churn(n, reg.busybox, mark - done, parallel, `c${done}`);
    done = mark;
    ms.push(...r.ms);
    ids.push(...r.ids);
    await settledFigures(pid, start.fds);
    await new Promise((res) => setTimeout(res, 2000));
    const asIs = await memOf(pid);
    const f = await figuresAfterGc(pid, n.d.logs());
    rows.push(row(`${done} lifecycles`, asIs, f));
    process.stderr.write(`${done}/${total}\n`);
  }
  const wall = (performance.now() - t0) / 1000;
  const left = await leftovers(n, ids);
  const end = await figuresAfterGc(pid, n.d.logs());
  const out = [
    `churn: ${total} lifecycles, ${parallel} at a time, ${wall.toFixed(0)} s (${(total / wall).toFixed(2)} lifecycles/s)`,
    `lifecycle ms: p50 ${percentile(ms, 50).toFixed(0)}, p95 ${percentile(ms, 95).toFixed(0)}, max ${Math.max(...ms).toFixed(0)}`,
    `berthd idle before warm-up (after a forced GC): RSS ${idle.rssKiB} KiB, PSS ${idle.pssKiB} KiB, heap ${idle.heapUsedKiB} KiB, ${idle.fds} fds`,
    '',
    '| after            | RSS KiB as is | PSS KiB as is | RSS KiB after GC | PSS KiB after GC | heap used KiB after GC | fds |',
    '|------------------|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `RSS change over the run: ${((end.rssKiB - start.rssKiB) / 1024).toFixed(1)} MiB; heap ${((end.heapUsedKiB - start.heapUsedKiB) / 1024).toFixed(2)} MiB; fds ${end.fds - start.fds}`,
    `left on the machine: ${left.length === 0 ? 'nothing' : `\n  ${left.join('\n  ')}`}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (left.length > 0) process.exitCode = 1;
} finally {
  await stopNode(n);
  await reg.reg.stop();
}
