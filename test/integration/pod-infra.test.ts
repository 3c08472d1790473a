// The infra process of pods sharing one PID namespace (pid: POD, the proto3
// default, as crictl's pod JSON asks): catatonit -P under conmon and runc,
// PID 1 of a new PID namespace inside the pod's network/IPC/UTS namespaces,
// in a cgroup under the pod's cgroup parent; gone with the pod; surviving a
// berthd crash; a pod whose infra died is NOTREADY after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PodSandboxState } from '../../src/api/gen/api.js';
import { ListPodSandbox, PodSandboxStatus, RemovePodSandbox, RunPodSandbox, StopPodSandbox } from '../../src/api/methods.js';
import { makeTestDir, restartDaemon, startDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { makeTestNetwork, mountsContaining, podConfig, sh, type TestNetwork } from '../support/pod-net.js';

interface Env {
  d: TestDaemon;
  net: TestNetwork;
}

async function setup(t: { after: (f: () => Promise<void>) => void }): Promise<Env> {
  const net = await makeTestNetwork(await makeTestDir('berth-podinfra-'));
  const env: Env = { d: await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: net.toml }), net };
  t.after(async () => {
    const pods = await env.d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
    for (const p of pods.items) await env.d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
    await env.d.cleanup();
    await net.cleanup();
  });
  return env;
}

interface Info {
  namespacePins: Record<string, string>;
  infra?: { id: string; pid?: number; bundle: string; runtimeRoot: string };
  cgroupParent: string;
}

async function info(d: TestDaemon, id: string): Promise<Info> {
  const st = await d.client.call(PodSandboxStatus, { podSandboxId: id, verbose: true });
  return JSON.parse(st.info.info ?? '{}') as Info;
}

/** cgroup v1 controllers (and the unified tree) holding a directory at `path`. */
async function cgroupDirs(path: string): Promise<string[]> {
  const out: string[] = [];
  for (const c of await readdir('/sys/fs/cgroup')) {
    const p = join('/sys/fs/cgroup', c, path);
    if (await stat(p).then((s) => s.isDirectory(), () => false)) out.push(p);
  }
  return out;
}

async function nsInode(path: string): Promise<string> {
  return (await sh('stat', ['-L', '-c', '%i', path])).stdout.trim();
}

test('pid POD: catatonit -P is PID 1 of the pod, inside its namespaces and cgroup; all gone after stop/remove', async (t) => {
  const { d } = await setup(t);
  const parent = `/berth-test-${Math.random().toString(36).slice(2, 8)}`;
  t.after(async () => {
    for (const dir of await cgroupDirs(parent)) await rmdir(dir).catch(() => undefined);
  });
  const { podSandboxId: id } = await d.client.call(RunPodSandbox, { config: podConfig('infra', { linux: { cgroup_parent: parent } }) });
  const i = await info(d, id);
  assert.equal(i.cgroupParent, parent);
  const pid = i.infra?.pid;
  assert.ok(pid, 'infra pid recorded');
  assert.equal((await readFile(`/proc/${pid}/comm`, 'utf8')).trim(), 'catatonit');
  assert.match(await readFile(`/proc/${pid}/cmdline`, 'utf8'), /^\/catatonit\0-P\0$/);
  assert.match(await readFile(`/proc/${pid}/status`, 'utf8'), new RegExp(`NSpid:\\s+${pid}\\s+1\\n`), 'PID 1 of a new PID namespace');
  for (const [kind, pin] of Object.entries(i.namespacePins)) {
    assert.equal(await nsInode(`/proc/${pid}/ns/${kind}`), await nsInode(pin), `infra joined the pod's ${kind} namespace`);
  }
  assert.notEqual(await nsInode(`/proc/${pid}/ns/pid`), await nsInode('/proc/self/ns/pid'));
  const cg = await cgroupDirs(join(parent, `berth-${id}`));
  assert.ok(cg.length > 0, 'cgroup under the pod cgroup parent');
  assert.ok((await readFile(join(cg[0]!, 'cgroup.procs'), 'utf8')).split('\n').includes(String(pid)));

  await d.client.call(StopPodSandbox, { podSandboxId: id });
  await assert.rejects(access(`/proc/${pid}`), /ENOENT/, 'infra process gone');
  assert.deepEqual(await cgroupDirs(join(parent, `berth-${id}`)), [], 'infra cgroup removed');
  assert.deepEqual(await readdir(i.infra!.runtimeRoot).catch(() => []), [], 'runc forgot it');
  assert.equal((await d.client.call(PodSandboxStatus, { podSandboxId: id })).status?.state, PodSandboxState.SANDBOX_NOTREADY);
  await d.client.call(StopPodSandbox, { podSandboxId: id });
  await d.client.call(RemovePodSandbox, { podSandboxId: id });
  assert.deepEqual(await mountsContaining(id), []);
  await assert.rejects(access(i.infra!.bundle), /ENOENT/);
  const conmons = (await sh('ps', ['-eo', 'args'])).stdout.split('\n').filter((l) => l.includes('conmon') && l.includes(id));
  assert.deepEqual(conmons, [], 'conmon left');
});

test('the infra survives a berthd crash; an infra killed while berthd is down makes the pod NOTREADY', async (t) => {
  const env = await setup(t);
  const a = (await env.d.client.call(RunPodSandbox, { config: podConfig('keep') })).podSandboxId;
  const b = (await env.d.client.call(RunPodSandbox, { config: podConfig('lose') })).podSandboxId;
  const pidA = (await info(env.d, a)).infra!.pid!;
  const pidB = (await info(env.d, b)).infra!.pid!;
  await env.d.kill();
  await access(`/proc/${pidA}`);
  process.kill(pidB, 'SIGKILL');
  await waitFor(() => access(`/proc/${pidB}`).then(() => false, () => true), 5000, () => 'infra b did not die');

  env.d = await restartDaemon(env.d);
  const st = async (id: string): Promise<PodSandboxState | undefined> => (await env.d.client.call(PodSandboxStatus, { podSandboxId: id })).status?.state;
  assert.equal(await st(a), PodSandboxState.SANDBOX_READY);
  assert.equal((await info(env.d, a)).infra?.pid, pidA);
  assert.equal(await st(b), PodSandboxState.SANDBOX_NOTREADY);
  assert.deepEqual(await env.net.allocations().then((l) => l.length), 1, "the dead pod's IP was released at recovery");
  assert.deepEqual(await mountsContaining(b), [], "the dead pod's namespaces were unpinned");
});

test('an infra process dying while berthd runs makes the pod NOTREADY; stop and remove then clean up', async (t) => {
  const { d, net } = await setup(t);
  const { podSandboxId: id } = await d.client.call(RunPodSandbox, { config: podConfig('dies') });
  const pid = (await info(d, id)).infra!.pid!;
  process.kill(pid, 'SIGKILL');
  await waitFor(
    async () => (await d.client.call(PodSandboxStatus, { podSandboxId: id })).status?.state === PodSandboxState.SANDBOX_NOTREADY,
    5000,
    () => 'the pod never became NOTREADY',
  );
  assert.match(d.logs(), /infra process exited; pod is NOTREADY/);
  assert.equal((await net.allocations()).length, 1, 'resources are held until StopPodSandbox');
  await d.client.call(StopPodSandbox, { podSandboxId: id });
  await d.client.call(RemovePodSandbox, { podSandboxId: id });
  assert.deepEqual(await net.allocations(), []);
  assert.deepEqual(await mountsContaining(id), []);
  assert.deepEqual(await readdir(join(d.state, 'infra-exits')), [], 'no exit report left');
});
