// conmon vs berth-mon ([runtime] monitor), both under Berth: two berthd on
// their own directories and CNI networks, the same client and the same pod
// shape as bench/pod-startup.ts (a busybox `sleep` container, private PID
// namespace, image present).
//  1. pod start (RunPodSandbox + CreateContainer + StartContainer), the two
//     daemons in random order per iteration, then the pod removed;
//  2. memory of the monitors at 10, 30 and 100 running pods: RSS and PSS
//     (/proc/<pid>/smaps_rollup) of every monitor process, per container,
//     and berthd's RSS growth over its idle figure.
// Run as root: node scripts/build.mjs && node --import tsx bench/monitor.ts [iterations] [pod counts, e.g. 10,30,100]
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateContainer, PullImage, RemovePodSandbox, RunPodSandbox, StartContainer, StopPodSandbox } from '../src/api/methods.js';
import type { CriClient } from '../src/client/cri-client.js';
import type { MonitorKind } from '../src/oci/monitor-kind.js';
import { makeTestDir, startDaemon, type TestDaemon } from '../test/support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../test/support/images/build.js';
import { makeTestNetwork } from '../test/support/pod-net.js';
import { imageRef, seedRegistry } from '../test/support/registry/push.js';
import { startRegistry } from '../test/support/registry/registry.js';
import { ctrConfig, pct, podConfig } from './support/pod-cycle.js';

const N = Number(process.argv[2] ?? 100);
const COUNTS = (process.argv[3] ?? '10,30,100').split(',').map(Number);
const KINDS: MonitorKind[] = ['conmon', 'berth-mon'];

async function startPod(c: CriClient, i: number, tag: string, image: string, logDir: string): Promise<{ ms: number; podId: string }> {
  // The kubelet-default shape, as bench/pod-startup.ts and pod-shapes.ts send it.
  const config = podConfig({ shape: 'default', name: `bench-${tag}-${i}`, logDir });
  const t0 = performance.now();
  const { podSandboxId } = await c.call(RunPodSandbox, { config, runtimeHandler: '' });
  const { containerId } = await c.call(CreateContainer, { podSandboxId, config: ctrConfig(image), sandboxConfig: config });
  await c.call(StartContainer, { containerId });
  return { ms: performance.now() - t0, podId: podSandboxId };
}

async function removePod(c: CriClient, podId: string): Promise<void> {
  await c.call(StopPodSandbox, { podSandboxId: podId });
  await c.call(RemovePodSandbox, { podSandboxId: podId });
}

/** kB figures of one process: VmRSS from status, Pss / Pss_Anon from smaps_rollup. */
async function memOf(pid: number): Promise<{ rss: number; pss: number; pssAnon: number; pssFile: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const kb = (re: RegExp, text: string): number => Number(re.exec(text)?.[1] ?? 0);
  return {
    rss: kb(/VmRSS:\s+(\d+)/, status),
    pss: kb(/^Pss:\s+(\d+)/m, rollup),
    pssAnon: kb(/^Pss_Anon:\s+(\d+)/m, rollup),
    pssFile: kb(/^Pss_File:\s+(\d+)/m, rollup),
  };
}

/** The monitor processes of one berthd: the pids in its bundles' monitor pid files. */
async function monitorPids(d: TestDaemon): Promise<number[]> {
  const dir = join(d.state, 'containers');
  const pids: number[] = [];
  for (const id of await readdir(dir).catch(() => [])) {
    const pid = Number((await readFile(join(dir, id, 'conmon-pidfile'), 'utf8').catch(() => '')).trim());
    if (pid > 0 && (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''))) pids.push(pid);
  }
  return pids;
}

interface MemRow {
  kind: MonitorKind;
  pods: number;
  monitors: number;
  rss: number;
  pss: number;
  pssAnon: number;
  pssFile: number;
  daemonGrowth: number;
}

async function memorySeries(d: TestDaemon, kind: MonitorKind, image: string, logDir: string): Promise<MemRow[]> {
  const idle = (await memOf(d.proc.pid ?? 0)).rss;
  const pods: string[] = [];
  const rows: MemRow[] = [];
  for (const target of COUNTS) {
    while (pods.length < target) pods.push((await startPod(d.client, 10_000 + pods.length, `${kind}-mem`, image, logDir)).podId);
    await new Promise((r) => setTimeout(r, 2000));
    const pids = await monitorPids(d);
    const mems = await Promise.all(pids.map(memOf));
    const sum = (k: 'rss' | 'pss' | 'pssAnon' | 'pssFile'): number => mems.reduce((a, m) => a + m[k], 0);
    rows.push({ kind, pods: pods.length, monitors: pids.length, rss: sum('rss'), pss: sum('pss'), pssAnon: sum('pssAnon'), pssFile: sum('pssFile'), daemonGrowth: (await memOf(d.proc.pid ?? 0)).rss - idle });
    progress(`${kind}: ${pods.length} pods, ${pids.length} monitors, RSS ${sum('rss')} kB, PSS ${sum('pss')} kB`);
  }
  for (const p of pods) await removePod(d.client, p);
  return rows;
}

const progress = (m: string): void => {
  process.stderr.write(`[${new Date().toISOString()}] ${m}\n`);
};
const f = (x: number, d = 1): string => x.toFixed(d);

const work = await makeTestDir('bench-monitor-');
const reg = await startRegistry({ auth: 'none' });
const images = await seedRegistry(reg, DEFAULT_IMAGE_DIR);
const busybox = imageRef(reg.host, images.busybox);
const logDir = join(work, 'logs');
const started = new Date().toISOString();
const daemons: Partial<Record<MonitorKind, TestDaemon>> = {};
const nets = await Promise.all(KINDS.map((k) => makeTestNetwork(join(work, `net-${k}`), { noPortmap: false })));
try {
  for (const [i, kind] of KINDS.entries()) {
    const net = nets[i]!;
    const d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: net.toml, logLevel: 'info', monitor: kind });
    daemons[kind] = d;
    await d.client.call(PullImage, { image: { image: busybox } });
  }
  progress(`pod start: ${N} iterations, random order per iteration`);
  const times: Record<MonitorKind, number[]> = { conmon: [], 'berth-mon': [] };
  for (let i = -3; i < N; i++) {
    const order = Math.random() < 0.5 ? KINDS : [...KINDS].reverse();
    for (const kind of order) {
      const d = daemons[kind]!;
      const { ms, podId } = await startPod(d.client, i + 3, kind, busybox, logDir);
      if (i >= 0) times[kind].push(ms); // three warm-ups
      await removePod(d.client, podId);
    }
  }
  progress('memory');
  const mem: MemRow[] = [];
  for (const kind of KINDS) mem.push(...(await memorySeries(daemons[kind]!, kind, busybox, logDir)));

  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  const t = (k: MonitorKind): number[] => times[k];
  const out = [
    `started ${started}, finished ${new Date().toISOString()}; load average at the end: ${load}`,
    '',
    `pod start (RunPodSandbox + CreateContainer + StartContainer, ms), ${N} iterations per monitor after 3 warm-ups, random order per iteration:`,
    '',
    '| monitor | p50 | p90 | p99 | max |',
    '|---|---:|---:|---:|---:|',
    ...KINDS.map((k) => `| ${k} | ${f(pct(t(k), 50))} | ${f(pct(t(k), 90))} | ${f(pct(t(k), 99))} | ${f(Math.max(...t(k)))} |`),
    '',
    `ratio berth-mon/conmon: p50 ${(pct(t('berth-mon'), 50) / pct(t('conmon'), 50)).toFixed(2)}, p99 ${(pct(t('berth-mon'), 99) / pct(t('conmon'), 99)).toFixed(2)}`,
    '',
    'monitor memory with N running single-container pods (kB per monitor = total / count; PSS from smaps_rollup):',
    '',
    '| monitor | pods | monitors | RSS total (MB) | RSS per monitor (kB) | PSS per monitor (kB) | of which anon / file (kB) | berthd RSS growth over idle (MB) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...mem.map((r) => `| ${r.kind} | ${r.pods} | ${r.monitors} | ${f(r.rss / 1024)} | ${f(r.rss / r.monitors, 0)} | ${f(r.pss / r.monitors, 0)} | ${f(r.pssAnon / r.monitors, 0)} / ${f(r.pssFile / r.monitors, 0)} | ${f(r.daemonGrowth / 1024)} |`),
  ].join('\n');
  console.log(out);
} finally {
  for (const d of Object.values(daemons)) await d?.cleanup().catch(() => undefined);
  for (const n of nets) await n.cleanup().catch(() => undefined);
  await reg.stop();
}
