// Pod churn, shared by test/integration/churn.test.ts (CI-sized) and
// bench/churn.ts (the full run): whole pod lifecycles as the kubelet drives
// them, N at a time, and what berthd holds before and after (RSS, fds).
import { readdir } from 'node:fs/promises';
import WebSocket from 'ws';
import { ExecSync, RemovePodSandbox, StopPodSandbox } from '../../src/api/methods.js';
import { memOf, type Mem } from './memory.js';
import { createAndStart, ctrConfig, podConfigFor, runPod, type Node } from './reliability.js';

export interface ProcessFigures extends Mem {
  fds: number;
}

export async function processFigures(pid: number): Promise<ProcessFigures> {
  const fds = (await readdir(`/proc/${pid}/fd`)).length;
  return { ...(await memOf(pid)), fds };
}

/**
 * berthd as installed (its shebang's --max-semi-space-size=1) plus an
 * inspector on a free loopback port, through which the test forces a full
 * GC before measuring: RSS is then comparable, not an accident of when V8
 * last collected.
 */
export const MEASURED_ENV = { NODE_OPTIONS: '--max-semi-space-size=1 --inspect=127.0.0.1:0' };

/** Forces a full garbage collection in berthd (via its inspector), then reads RSS, heap and fds. */
export async function figuresAfterGc(pid: number, logs: string): Promise<ProcessFigures & { heapUsedKiB: number }> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(logs)?.[1];
  if (!url) throw new Error('berthd runs without an inspector (start it with MEASURED_ENV)');
  const ws = new WebSocket(url);
  await new Promise<void>((res, rej) => ws.once('open', () => res()).once('error', rej));
  const pending = new Map<number, (v: unknown) => void>();
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (m.id !== undefined) pending.get(m.id)?.(m.result);
  });
  let seq = 0;
  const send = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((res) => {
      const id = ++seq;
      pending.set(id, res);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    const r = (await send('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true })) as { result: { value: number } };
    return { ...(await processFigures(pid)), heapUsedKiB: Math.round(r.result.value / 1024) };
  } finally {
    ws.close();
  }
}

/** One lifecycle: run pod, create + start a container, ExecSync, stop pod, remove pod. Returns the ids it made. */
export async function lifecycle(n: Node, image: string, name: string): Promise<{ podId: string; ctrId: string; ms: number }> {
  const t0 = performance.now();
  const pod = podConfigFor(n, name);
  const podId = await runPod(n, pod);
  const ctrId = await createAndStart(n, podId, pod, ctrConfig(image, 'app'));
  const r = await n.d.client.call(ExecSync, { containerId: ctrId, cmd: ['echo', name], timeout: 10n });
  if (Buffer.from(r.stdout).toString() !== `${name}\n`) throw new Error(`exec in ${name}: unexpected output ${JSON.stringify(Buffer.from(r.stdout).toString())}`);
  await n.d.client.call(StopPodSandbox, { podSandboxId: podId });
  await n.d.client.call(RemovePodSandbox, { podSandboxId: podId });
  return { podId, ctrId, ms: performance.now() - t0 };
}

export interface ChurnResult {
  ids: string[];
  /** Per-lifecycle wall time, ms, in completion order. */
  ms: number[];
}

/** `total` lifecycles, `parallel` at a time; the first error stops new ones and is thrown once all settled. */
export async function churn(n: Node, image: string, total: number, parallel: number, prefix: string, onDone?: (i: number) => void): Promise<ChurnResult> {
  const out: ChurnResult = { ids: [], ms: [] };
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < total) {
      const i = next++;
      try {
        const r = await lifecycle(n, image, `${prefix}-${i}`);
        out.ids.push(r.podId, r.ctrId);
        out.ms.push(r.ms);
        onDone?.(out.ms.length);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  if (failure !== undefined) throw failure;
  return out;
}

/** Waits until berthd's fd count returns to `fds` (conmon pipes and watches close asynchronously), at most `ms`. */
export async function settledFigures(pid: number, fds: number, ms = 5000): Promise<ProcessFigures> {
  const deadline = Date.now() + ms;
  let f = await processFigures(pid);
  while (f.fds !== fds && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    f = await processFigures(pid);
  }
  return f;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
