// Pod lifecycle under failure: every failing step is rolled back completely
// (no pin, mount, IP allocation, iptables rule, directory or record), the
// error names the layer and carries the tool's stderr, a retry then works;
// pods survive a berthd crash, and a crash mid-creation is rolled back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PodSandboxState } from '../../src/api/gen/api.js';
import { ListPodSandbox, PodSandboxStatus, RemovePodSandbox, RunPodSandbox, StopPodSandbox } from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { makeTestDir, restartDaemon, startDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { makeTestNetwork, mountsContaining, natRulesContaining, podConfig, sh, writeFailingPlugin, type NetworkOptions, type TestNetwork } from '../support/pod-net.js';

const PID_NODE = { security_context: { namespace_options: { pid: 2 } } };

interface Env {
  d: TestDaemon;
  net: TestNetwork;
}

async function setup(t: { after: (f: () => Promise<void>) => void }, opts: NetworkOptions = {}, beforeStart?: (net: TestNetwork) => Promise<void>): Promise<Env> {
  const dir = await makeTestDir('berth-podlc-');
  const net = await makeTestNetwork(dir, opts);
  await beforeStart?.(net);
  const env: Env = { d: await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: net.toml }), net };
  t.after(async () => {
    const pods = await env.d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
    for (const p of pods.items) await env.d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
    await env.d.cleanup();
    await net.cleanup();
  });
  return env;
}

async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** No pod of any id left: pins, mounts (but the private ns root), dirs, records, IPs, iptables rules. */
async function assertNothingLeft(d: TestDaemon, net: TestNetwork): Promise<void> {
  for (const kind of ['net', 'ipc', 'uts']) assert.deepEqual(await listDir(join(d.state, 'ns', kind)), [], `no ${kind} pins`);
  const mounts = (await mountsContaining(d.state)).map((l) => l.split(' ')[4]);
  assert.deepEqual(mounts.filter((m) => m !== join(d.state, 'ns')), [], 'no pod mounts');
  assert.deepEqual(await listDir(join(d.state, 'pods')), [], 'no pod directories');
  assert.deepEqual((await listDir(join(d.root, 'pods'))).filter((f) => f.endsWith('.json')), [], 'no records');
  assert.deepEqual(await net.allocations(), [], 'no host-local allocation');
  assert.deepEqual(await natRulesContaining(`"${net.name}"`), [], 'no iptables rules of the network');
  assert.equal((await d.client.call(ListPodSandbox, {})).items.length, 0);
}

function rejectsWith(code: Code, ...patterns: RegExp[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof GrpcStatusError, String(e));
    assert.equal(e.grpcCode, code, e.details);
    for (const p of patterns) assert.match(e.details, p);
    return true;
  };
}

test('a CNI plugin failing after bridge ADD is rolled back completely; the error carries its message and stderr', async (t) => {
  const { d, net } = await setup(t, { extraPlugins: [{ type: 'berth-test-fail' }] }, (n) => writeFailingPlugin(n.binDir, 'berth-test-fail'));
  await assert.rejects(
    d.client.call(RunPodSandbox, { config: podConfig('cnifail', { linux: PID_NODE }) }),
    rejectsWith(Code.Internal, /^network: /, /CNI plugin berth-test-fail ADD/, /boom from the fake plugin/, /stderr: fake-plugin: deliberate failure/),
  );
  await assertNothingLeft(d, net);
});

test('a bad IPAM subnet fails ADD in the bridge plugin and leaves nothing', async (t) => {
  const { d, net } = await setup(t, { ipam: { type: 'host-local', ranges: [[{ subnet: '10.300.0.0/24' }]] } });
  await assert.rejects(d.client.call(RunPodSandbox, { config: podConfig('badipam', { linux: PID_NODE }) }), rejectsWith(Code.Internal, /^network: /, /CNI plugin bridge ADD/, /10\.300\.0\.0/));
  await assertNothingLeft(d, net);
});

test('a namespaced sysctl the kernel does not know fails after CNI ADD, rolls back, and a retry then works', async (t) => {
  const { d, net } = await setup(t);
  const bad = podConfig('sysctl', { linux: { ...PID_NODE, sysctls: { 'net.ipv4.no_such_sysctl': '1' } } });
  await assert.rejects(d.client.call(RunPodSandbox, { config: bad }), rejectsWith(Code.Internal, /^runtime: /, /nsenter/, /no_such_sysctl/));
  await assertNothingLeft(d, net);
  // Same name/namespace/uid/attempt: not "reserved" by the failed attempt.
  const good = podConfig('sysctl', { linux: { ...PID_NODE, sysctls: { 'net.ipv4.ping_group_range': '0 2147483647' } } });
  const { podSandboxId } = await d.client.call(RunPodSandbox, { config: good });
  const st = await d.client.call(PodSandboxStatus, { podSandboxId });
  assert.equal(st.status?.state, PodSandboxState.SANDBOX_READY);
});

test('pods survive a berthd crash with the same ids and IPs, and can be removed afterwards', async (t) => {
  const env = await setup(t);
  const ids: string[] = [];
  for (const name of ['one', 'two']) ids.push((await env.d.client.call(RunPodSandbox, { config: podConfig(name, { linux: PID_NODE }) })).podSandboxId);
  await env.d.client.call(StopPodSandbox, { podSandboxId: ids[1]! });
  const before = await env.d.client.call(PodSandboxStatus, { podSandboxId: ids[0]! });
  const ip = before.status!.network!.ip;

  await env.d.kill();
  env.d = await restartDaemon(env.d);

  const list = await env.d.client.call(ListPodSandbox, {});
  assert.deepEqual(list.items.map((p) => p.id).sort(), [...ids].sort());
  const after = await env.d.client.call(PodSandboxStatus, { podSandboxId: ids[0]! });
  assert.equal(after.status?.state, PodSandboxState.SANDBOX_READY);
  assert.equal(after.status?.network?.ip, ip, 'same IP');
  assert.equal(after.status?.createdAt, before.status?.createdAt);
  assert.equal((await env.d.client.call(PodSandboxStatus, { podSandboxId: ids[1]! })).status?.state, PodSandboxState.SANDBOX_NOTREADY);
  await sh('busybox', ['ping', '-c', '1', '-W', '3', ip]);

  for (const id of ids) await env.d.client.call(RemovePodSandbox, { podSandboxId: id });
  await assertNothingLeft(env.d, env.net);
});

test('a berthd crash in the middle of RunPodSandbox is rolled back on the next start', async (t) => {
  const env = await setup(t, { extraPlugins: [{ type: 'berth-test-slow' }] }, (n) => writeFailingPlugin(n.binDir, 'berth-test-slow', { sleepSeconds: 5 }));
  const pending = env.d.client.call(RunPodSandbox, { config: podConfig('crash', { linux: PID_NODE }) }).catch((e: unknown) => e);
  // bridge ADD has allocated the IP and the slow plugin is running: crash now.
  await waitFor(async () => (await env.net.allocations()).length === 1, 10_000, () => 'the bridge never allocated an IP');
  assert.equal((await listDir(join(env.d.state, 'ns', 'net'))).length, 1);
  await env.d.kill();
  assert.ok((await pending) instanceof Error);

  env.d = await restartDaemon(env.d);
  await assertNothingLeft(env.d, env.net);
  assert.match(env.d.logs(), /rolling back pod left half-created/);
});
