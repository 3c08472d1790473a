// CI-sized churn: 40 whole pod lifecycles (run pod, create + start a
// container, ExecSync, stop, remove), 4 at a time, after a warm-up. berthd
// must end where it began — RSS within 10 MB, the same open fds — and the
// machine must hold nothing of those pods: mounts, pins, `ip netns`,
// cgroups, host-local files, iptables CNI chains, <state> and records.
// Memory is measured after a full GC forced through berthd's inspector, with
// the young-generation size berthd's shebang sets.
// The 500-lifecycle run is bench/churn.ts (figures in docs/reliability.md).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { PullImage } from '../../src/api/methods.js';
import { churn, figuresAfterGc, MEASURED_ENV, settledFigures } from '../support/churn.js';
import { sh } from '../support/pod-net.js';
import { assertClean, startNode, startTestRegistry, stopNode, type Node, type Registry } from '../support/reliability.js';

const WARMUP = 8;
const TOTAL = 40;
const PARALLEL = 4;

let reg: Registry;
let n: Node;

before(async () => {
  reg = await startTestRegistry();
  n = await startNode({ env: MEASURED_ENV });
  await n.d.client.call(PullImage, { image: { image: reg.busybox } });
});
after(async () => {
  await stopNode(n);
  await reg?.reg.stop();
});

const netns = async (): Promise<string[]> => (await sh('ip', ['netns', 'list'])).stdout.split('\n').filter(Boolean);

it(`${TOTAL} pod lifecycles, ${PARALLEL} at a time: RSS within 10 MB, fds unchanged, nothing left on the machine`, async () => {
  // Warm-up: code paths compiled, pools and caches at their working size.
  const warm = await churn(n, reg.busybox, WARMUP, PARALLEL, 'warm');
  await assertClean(n, warm.ids);
  const netnsBefore = await netns();
  const start = await figuresAfterGc(n.d.proc.pid!, n.d.logs());

  const run = await churn(n, reg.busybox, TOTAL, PARALLEL, 'churn');
  assert.equal(run.ms.length, TOTAL);
  await assertClean(n, run.ids);
  await settledFigures(n.d.proc.pid!, start.fds);
  const end = await figuresAfterGc(n.d.proc.pid!, n.d.logs());

  const grewMiB = (end.rssKiB - start.rssKiB) / 1024;
  const heap = `heap ${start.heapUsedKiB} → ${end.heapUsedKiB} KiB`;
  assert.ok(grewMiB < 10, `berthd RSS grew ${grewMiB.toFixed(1)} MiB (${start.rssKiB} → ${end.rssKiB} KiB, ${heap})`);
  assert.equal(end.fds, start.fds, 'open file descriptors');
  // Berth never names namespaces in /run/netns; nothing of ours may appear there either.
  assert.deepEqual((await netns()).filter((x) => !netnsBefore.includes(x)), []);
});
