// Every CRI RPC fuzzed against a real berthd (a pod, a running container and
// an image exist, and their ids are mixed into the requests): seeded
// requests from the schema of proto/api.proto, plus undecodable bytes on the
// wire. berthd must not crash or hang (each call answers within a bound),
// bad input must not be INTERNAL, nothing may be written outside the
// configured directories (traversal strings aim at a canary name), and once
// everything is removed nothing is left. FUZZ_SEED and FUZZ_PER_RPC override
// the defaults; the counts are printed.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { methods } from '../../src/api/method-table.js';
import type { MethodDef } from '../../src/api/methods.js';
import { CreateContainer, ExecSync, ListContainers, ListPodSandbox, PullImage, Version } from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { makeTestDir, REPO } from '../support/daemon.js';
import { prng, RequestGenerator, wireGarbage } from '../support/fuzz/generate.js';
import { parseProto } from '../support/fuzz/proto-schema.js';
import {
  assertClean,
  createAndStart,
  ctrConfig,
  podConfigFor,
  removeAll,
  runPod,
  startNode,
  startTestRegistry,
  stopNode,
  type Node,
  type Registry,
} from '../support/reliability.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const PER_RPC = Number(process.env.FUZZ_PER_RPC ?? 30);
const WIRE_PER_RPC = 4;
/** No CRI call on bad input may take longer (the slowest legitimate ones here: a pod with an infra process). */
const BOUND_MS = 20_000;
/** Streams are opened, held this long, then cancelled. */
const STREAM_MS = 150;

let reg: Registry;
let n: Node;
let hostDir: string;
const canary = `berth-fuzz-escape-${SEED}`;

before(async () => {
  reg = await startTestRegistry();
  n = await startNode();
  hostDir = join(await makeTestDir('berth-fuzz-host-'), 'host');
  await n.d.client.call(PullImage, { image: { image: reg.busybox } });
});
after(async () => {
  await stopNode(n);
  await rm(dirname(hostDir), { recursive: true, force: true });
  await reg?.reg.stop();
});

interface Target {
  podId: string;
  ctrId: string;
}

/** A pod with a running container that stops at once on SIGTERM (a fuzzed StopContainer timeout must not make anyone wait). */
async function target(): Promise<Target> {
  const pod = podConfigFor(n, `fuzz-target-${Date.now()}`);
  const podId = await runPod(n, pod);
  const ctrId = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'target', ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.2; done']));
  return { podId, ctrId };
}

/** Pull refs only to the loopback registry or an unreachable loopback port: a fuzzer must not reach the internet. */
function confinePull(req: Record<string, unknown>): void {
  const spec = req.image as { image?: string } | undefined;
  const ref = spec?.image;
  if (!spec || typeof ref !== 'string' || ref.startsWith(`${reg.reg.host}/`) || ref.startsWith('127.0.0.1:1/')) return;
  if (/^[a-z0-9]/.test(ref) && !ref.includes('\0')) spec.image = `127.0.0.1:1/${ref}`;
}

/** A valid request for the RPCs whose validation is deep: mutated copies of it reach the code behind. */
function base(rpc: string, t: Target, i: number): Record<string, unknown> | undefined {
  const pod = podConfigFor(n, `fuzz-${i}`);
  const ctr = ctrConfig(reg.busybox, `fuzz-${i}`, ['true'], { mounts: [{ containerPath: '/data', hostPath: join(hostDir, `m${i}`) }] });
  switch (rpc) {
    case 'RunPodSandbox':
      return { config: pod, runtimeHandler: '' };
    case 'CreateContainer':
      return { podSandboxId: t.podId, config: ctr, sandboxConfig: pod };
    case 'ExecSync':
      return { containerId: t.ctrId, cmd: ['true'], timeout: 5n };
    case 'Exec':
    case 'Attach':
      return { containerId: t.ctrId, cmd: ['true'], tty: false, stdin: false, stdout: true, stderr: true };
    case 'PortForward':
      return { podSandboxId: t.podId, port: [80] };
    case 'UpdateContainerResources':
      return { containerId: t.ctrId, linux: { memoryLimitInBytes: 64n << 20n, cpuShares: 512n } };
    case 'ReopenContainerLog':
    case 'ContainerStatus':
    case 'ContainerStats':
      return { containerId: t.ctrId };
    case 'PodSandboxStatus':
    case 'PodSandboxStats':
      return { podSandboxId: t.podId };
    case 'PullImage':
      return { image: { image: reg.busybox } };
    case 'UpdateRuntimeConfig':
      return { runtimeConfig: { networkConfig: { podCidr: '10.99.0.0/16' } } };
    default:
      return undefined;
  }
}

/** A request, readable and bounded (for FUZZ_VERBOSE reports). */
function describe(req: unknown): string {
  return JSON.stringify(req, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'string' && v.length > 80 ? `${v.slice(0, 20)}…(${v.length})` : v instanceof Uint8Array ? `bytes(${v.length})` : v)).slice(0, 3000);
}

/** Names starting with the canary in every directory a traversal string could reach. */
async function escapes(): Promise<string[]> {
  const dirs = new Set(['/', '/tmp', '/etc', '/var/log', '/var/tmp', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/pids']);
  for (const base of [n.logDir, hostDir, n.d.root, n.d.state]) for (let d = base; d !== '/'; d = dirname(d)) dirs.add(d);
  const found: string[] = [];
  for (const d of dirs) for (const name of await readdir(d).catch(() => [])) if (name.startsWith('berth-fuzz-escape')) found.push(join(d, name));
  return found;
}

it(`fuzzes every RPC (${PER_RPC} requests each + ${WIRE_PER_RPC} undecodable, seed ${SEED}): no crash, no hang, no INTERNAL for bad input, nothing written outside`, async () => {
  // Both services on the socket: the CRI's and Berth's own (WatchPull).
  const schema = parseProto(`${await readFile(join(REPO, 'proto/api.proto'), 'utf8')}\n${await readFile(join(REPO, 'proto/berth.proto'), 'utf8')}`);
  let t = await target();
  const images = [reg.busybox, `${reg.reg.host}/nope:latest`, `${reg.reg.host}/busybox@sha256:${'1'.repeat(64)}`];
  const gen = new RequestGenerator(schema, { ids: [t.podId, t.ctrId], images, canary, hostDir }, SEED);
  const wireRnd = prng(SEED ^ 0x5eed);
  const counts = new Map<string, Map<string, number>>();
  const problems: string[] = [];
  let calls = 0;
  let slowest = { ms: 0, what: '' };
  const tally = (rpc: string, code: string): void => {
    const m = counts.get(rpc) ?? new Map<string, number>();
    m.set(code, (m.get(code) ?? 0) + 1);
    counts.set(rpc, m);
  };

  for (const [name, def] of Object.entries(methods) as [string, MethodDef<unknown, unknown>][]) {
    // Destructive RPCs may take the target away: give later requests a fresh one.
    const live = (await n.d.client.call(ListContainers, {})).containers.some((c) => c.id === t.ctrId && c.state === 1);
    if (!live) {
      t = await target();
      gen.setIds([t.podId, t.ctrId]);
    }
    for (let i = 0; i < PER_RPC + WIRE_PER_RPC; i++) {
      const wire = i >= PER_RPC;
      let body: Uint8Array;
      let req: Record<string, unknown> = {};
      if (wire) body = wireGarbage(wireRnd);
      else {
        const valid = base(name, t, calls);
        req = valid && i % 2 === 0 ? gen.mutate(name, valid) : gen.request(name);
        if (name === 'PullImage') confinePull(req);
        body = def.request.encode(def.request.fromPartial(req)).finish();
      }
      const started = performance.now();
      const ac = new AbortController();
      let code: string;
      try {
        if (def.serverStream) {
          const timer = setTimeout(() => ac.abort(), STREAM_MS);
          await n.d.client.transport.serverStream(def.path, body, () => undefined, { signal: ac.signal, timeoutMs: BOUND_MS }).finally(() => clearTimeout(timer));
        } else await n.d.client.transport.unary(def.path, body, { timeoutMs: BOUND_MS });
        code = 'OK';
      } catch (e) {
        if (!(e instanceof GrpcStatusError)) {
          code = ac.signal.aborted ? 'OK (stream cancelled)' : `client error: ${String(e).slice(0, 200)}`;
        } else {
          code = Code[e.grpcCode] ?? String(e.grpcCode);
          if (e.grpcCode === Code.Cancelled && ac.signal.aborted) code = 'OK (stream cancelled)';
          if (e.grpcCode === Code.DeadlineExceeded && performance.now() - started >= BOUND_MS - 100) problems.push(`${name}: no answer within ${BOUND_MS} ms`);
          if (process.env.FUZZ_VERBOSE) process.stderr.write(`  ${name}: ${code}: ${e.details.slice(0, 200)}\n`);
          // The runtime's answer about the command itself, as containerd gives it (Unknown): not berthd's validation to make.
          // (The command not found; a memory limit below what the container already uses.)
          const runtimeVerdict =
            (['ExecSync', 'CreateContainer'].includes(name) && /executable file not found|exec: .*no such file or directory/.test(e.details)) ||
            (name === 'UpdateContainerResources' && /unable to set memory limit to \d+ \(current usage/.test(e.details));
          if ((e.grpcCode === Code.Internal || e.grpcCode === Code.Unknown) && !runtimeVerdict) problems.push(`${name}${wire ? ' (wire)' : ''}: ${code}: ${process.env.FUZZ_VERBOSE ? `${e.details}\n    request: ${describe(req)}` : e.details.slice(0, 300)}`);
        }
        if (code.startsWith('client error')) problems.push(`${name}: ${code}`);
      }
      const ms = performance.now() - started;
      if (ms > slowest.ms) slowest = { ms, what: name };
      calls++;
      tally(name, code);
      if (n.d.proc.exitCode !== null || n.d.proc.signalCode !== null) assert.fail(`berthd died during ${name}: ${n.d.logs().slice(-3000)}`);
    }
  }

  // Still serving, and promptly.
  assert.equal((await n.d.client.call(Version, {}, { timeoutMs: 2000 })).runtimeName, 'berth');
  await n.d.client.call(ListPodSandbox, {}, { timeoutMs: 2000 });
  const summary = [...counts].map(([rpc, m]) => `${rpc}: ${[...m].map(([c, k]) => `${c} ${k}`).join(', ')}`);
  process.stderr.write(`fuzz: ${calls} calls over ${counts.size} RPCs, seed ${SEED}, slowest ${slowest.ms.toFixed(0)} ms (${slowest.what})\n  ${summary.join('\n  ')}\n`);
  assert.deepEqual(problems, [], `${problems.length} problems`);
  assert.deepEqual(await escapes(), [], 'written outside the configured directories');
  await removeAll(n);
  await assertClean(n);
});

it('hostile paths and strings, case by case: refused as InvalidArgument naming the field, nothing written outside', async () => {
  await n.d.client.call(PullImage, { image: { image: reg.busybox } }); // the fuzzer may have removed it
  const t = await target();
  const pod = podConfigFor(n, 'hostile');
  const podId = await runPod(n, pod);
  let i = 0;
  const create = (over: Record<string, unknown>) => n.d.client.call(CreateContainer, { podSandboxId: podId, config: ctrConfig(reg.busybox, `h${i++}`, ['true'], over), sandboxConfig: pod });
  const cases: [string, Promise<unknown>, RegExp][] = [
    ['log_path traversal', create({ logPath: `../../../${canary}/x.log` }), /config\.log_path: .* must not contain "\.\."/],
    ['log_path NUL', create({ logPath: 'a\0b.log' }), /config\.log_path: contains a NUL byte/],
    ['log_path 1 MB', create({ logPath: 'x'.repeat(1 << 20) }), /config\.log_path: longer than 4095 bytes/],
    ['log_path long name', create({ logPath: 'x'.repeat(300) }), /config\.log_path: a path component is longer than 255/],
    ['host_path traversal', create({ mounts: [{ containerPath: '/m', hostPath: `${hostDir}/../../${canary}` }] }), /mounts\[0\]\.host_path: .* must not contain "\.\."/],
    ['host_path relative', create({ mounts: [{ containerPath: '/m', hostPath: `${canary}` }] }), /mounts\[0\]\.host_path: .* must be absolute/],
    ['container_path NUL', create({ mounts: [{ containerPath: '/m\0', hostPath: hostDir }] }), /mounts\[0\]\.container_path: contains a NUL byte/],
    ['command NUL', create({ command: ['tr\0ue'] }), /config\.command\[0\]: contains a NUL byte/],
    ['env NUL', create({ envs: [{ key: 'A', value: 'b\0' }] }), /config\.envs\[0\]\.value: contains a NUL byte/],
    ['working_dir NUL', create({ workingDir: '/\0' }), /config\.working_dir: contains a NUL byte/],
    ['log_directory relative', runPod(n, podConfigFor(n, 'h-rel', { logDirectory: `rel/${canary}` })), /config\.log_directory: .* must be absolute/],
    ['log_directory traversal', runPod(n, podConfigFor(n, 'h-trav', { logDirectory: `${hostDir}/../../${canary}` })), /config\.log_directory: .* must not contain "\.\."/],
    ['resolv.conf injection', runPod(n, podConfigFor(n, 'h-dns', { dnsConfig: { servers: ['1.1.1.1\nnameserver 6.6.6.6'] } })), /dns_config\.servers\[0\]: must be a single line/],
    ['ExecSync negative timeout', n.d.client.call(ExecSync, { containerId: t.ctrId, cmd: ['true'], timeout: -5n }), /timeout must not be negative/],
  ];
  for (const [what, p, re] of cases) {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof GrpcStatusError, `${what}: ${String(e)}`);
      assert.equal(e.grpcCode, Code.InvalidArgument, `${what}: ${Code[e.grpcCode]}: ${e.details.slice(0, 300)}`);
      assert.match(e.details, re, what);
      return true;
    });
  }
  assert.deepEqual(await escapes(), [], 'written outside the configured directories');
  assert.deepEqual((await n.d.client.call(ListContainers, { filter: { podSandboxId: podId } })).containers, [], 'nothing half-made');
});
