// Memory of Berth and containerd 1.6 as issue 15 asks for it: RSS and PSS of
// the daemon and of its per-pod helpers (Berth: conmon per container;
// containerd: a shim per pod and the pause process it runs), on a freshly
// started idle daemon, then with 10, 30 and 100 running single-container
// pods; then berthd after 30, 100 and 200 whole pod lifecycles as it is (no
// forced GC: what a node's monitoring sees), just after each step and after
// 20 s idle. berthd runs without an inspector here; bench/churn.ts repeats
// the churn with one and a forced full GC per step (heap sizing or leak).
// Both runtimes get the same pods, the same CNI plugins and the same client.
// Run as root: node scripts/build.mjs && node --import tsx bench/memory.ts [lifecycles=200] [parallel=4]
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateContainer, PullImage, RemovePodSandbox, RunPodSandbox, StartContainer, StopPodSandbox } from '../src/api/methods.js';
import { CriClient } from '../src/client/cri-client.js';
import { churn } from '../test/support/churn.js';
import { startContainerd } from '../test/support/containerd.js';
import { makeTestDir } from '../test/support/daemon.js';
import { BERTH_HELPERS, CONTAINERD_HELPERS, helpersMem, memOf, mib, type HelperSpec, type HelpersMem, type Mem } from '../test/support/memory.js';
import { makeTestNetwork, podConfig } from '../test/support/pod-net.js';
import { imageRef } from '../test/support/registry/push.js';
import { ctrConfig, startNode, startTestRegistry, stopNode } from '../test/support/reliability.js';

const LIFECYCLES = Number(process.argv[2] ?? 200);
const PARALLEL = Number(process.argv[3] ?? 4);
const POD_STEPS = [10, 30, 100];
const CHURN_MARKS = [30, 100, 200, 300, 400, 500].filter((m) => m <= LIFECYCLES);
const SETTLE_MS = 5000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const progress = (m: string): void => {
  process.stderr.write(`[${new Date().toISOString()}] ${m}\n`);
};

interface Step {
  pods: number;
  daemon: Mem;
  helpers: HelpersMem;
}

/** Runs pods up to each of POD_STEPS (one `sleep` container each, private PID namespace as the kubelet asks), measuring after each. */
async function podSteps(c: CriClient, daemonPid: number, spec: HelperSpec, image: string, logDir: string, tag: string): Promise<Step[]> {
  const steps: Step[] = [];
  const pods: string[] = [];
  for (const target of POD_STEPS) {
    while (pods.length < target) {
      const name = `mem-${tag}-${pods.length}`;
      const config = podConfig(name, {
        logDirectory: join(logDir, name),
        linux: { securityContext: { namespaceOptions: { pid: 'CONTAINER' } } },
      });
      const { podSandboxId } = await c.call(RunPodSandbox, { config, runtimeHandler: '' });
      pods.push(podSandboxId);
      const { containerId } = await c.call(CreateContainer, { podSandboxId, config: ctrConfig(image, 'sleeper', ['sleep', '3600']), sandboxConfig: config });
      await c.call(StartContainer, { containerId });
    }
    await sleep(SETTLE_MS);
    steps.push({ pods: target, daemon: await memOf(daemonPid), helpers: await helpersMem(spec) });
    progress(`${tag}: ${target} pods`);
  }
  for (const p of pods) {
    await c.call(StopPodSandbox, { podSandboxId: p });
    await c.call(RemovePodSandbox, { podSandboxId: p });
  }
  return steps;
}

const reg = await startTestRegistry();
const work = await makeTestDir('bench-mem-');
const netC = await makeTestNetwork(join(work, 'net-ctrd'));
const n = await startNode();
const ctrd = await startContainerd({ cniConfDir: netC.confDir, mirrors: { [reg.reg.host]: `http://${reg.reg.host}` }, sandboxImage: imageRef(reg.reg.host, reg.images.catatonit) });
const cc = new CriClient(ctrd.endpoint, 120_000);
try {
  const berthPid = n.d.proc.pid as number;
  const ctrdPid = ctrd.proc.pid as number;
  await sleep(SETTLE_MS);
  const fresh = { berth: await memOf(berthPid), ctrd: await memOf(ctrdPid) };
  progress('fresh idle measured');
  await n.d.client.call(PullImage, { image: { image: reg.busybox } });
  await cc.call(PullImage, { image: { image: reg.busybox } });
  const berthSteps = await podSteps(n.d.client, berthPid, BERTH_HELPERS(n.d.dir), reg.busybox, n.logDir, 'berth');
  const ctrdSteps = await podSteps(cc, ctrdPid, CONTAINERD_HELPERS(ctrd.dir), reg.busybox, join(work, 'logs'), 'ctrd');
  cc.close();
  await ctrd.stop();

  // Churn on the same berthd (its 100 pods are gone): growth over whole lifecycles.
  await sleep(SETTLE_MS);
  const beforeChurn = await memOf(berthPid);
  const churnRows: string[] = [];
  let done = 0;
  for (const mark of CHURN_MARKS) {
    await churn(n, reg.busybox, mark - done, PARALLEL, `churn${done}`);
    done = mark;
    await sleep(2000);
    const now = await memOf(berthPid);
    await sleep(20_000);
    const idle = await memOf(berthPid);
    churnRows.push(`| ${mark} | ${mib(now.rssKiB)} | ${mib(now.pssKiB)} | ${mib(idle.rssKiB)} | ${mib(idle.pssKiB)} | ${mib(idle.rssKiB - fresh.berth.rssKiB)} |`);
    progress(`churn: ${mark} lifecycles`);
  }

  const perPod = (s: Step, idle: Mem, k: keyof Mem): string => mib((s.daemon[k] - idle[k] + s.helpers[k]) / s.pods);
  const podRows = (name: string, idle: Mem, steps: Step[], helper: string): string[] =>
    steps.map(
      (s) =>
        `| ${name} | ${s.pods} | ${mib(s.daemon.rssKiB)} / ${mib(s.daemon.pssKiB)} | ${s.helpers.monitors} ${helper}${s.helpers.pauses ? ` + ${s.helpers.pauses} pause` : ''}: ${mib(s.helpers.rssKiB)} / ${mib(s.helpers.pssKiB)} | ${perPod(s, idle, 'rssKiB')} / ${perPod(s, idle, 'pssKiB')} | ${mib(s.helpers.monitorOnly.rssKiB / s.helpers.monitors)} / ${mib(s.helpers.monitorOnly.pssKiB / s.helpers.monitors)} |`,
    );
  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  const out = [
    `memory, ${new Date().toISOString()}, load average ${load}; MB (MiB) as RSS / PSS`,
    '',
    '| runtime | fresh idle daemon RSS | PSS |',
    '|---|---:|---:|',
    `| berth | ${mib(fresh.berth.rssKiB)} | ${mib(fresh.berth.pssKiB)} |`,
    `| containerd 1.6 | ${mib(fresh.ctrd.rssKiB)} | ${mib(fresh.ctrd.pssKiB)} |`,
    '',
    '| runtime | running pods | daemon RSS / PSS | per-pod helpers RSS / PSS | per pod above fresh idle (daemon growth + helpers) RSS / PSS | one monitor or shim RSS / PSS |',
    '|---|---:|---:|---:|---:|---:|',
    ...podRows('berth', fresh.berth, berthSteps, 'conmon'),
    ...podRows('containerd 1.6', fresh.ctrd, ctrdSteps, 'shim'),
    '',
    `berthd under churn (${PARALLEL} lifecycles at a time: run pod, create + start, exec, stop, remove; no forced GC); before churn ${mib(beforeChurn.rssKiB)} / ${mib(beforeChurn.pssKiB)}:`,
    '',
    '| lifecycles | RSS 2 s after | PSS 2 s after | RSS after 20 s idle | PSS after 20 s idle | RSS above fresh idle |',
    '|---:|---:|---:|---:|---:|---:|',
    ...churnRows,
  ].join('\n');
  process.stdout.write(`${out}\n`);
  await writeFile(join(process.cwd(), 'bench', 'last-memory.md'), `${out}\n`);
} finally {
  cc.close();
  await ctrd.stop().catch(() => undefined);
  await stopNode(n);
  await netC.cleanup();
  await reg.reg.stop();
}
