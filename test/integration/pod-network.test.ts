// Pod sandboxes with the real CNI plugins (bridge, host-local, portmap) on a
// private network: the pod answers from the host, a hostPort reaches it, its
// files and namespaces are as asked, and nothing of it is left after removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PodSandboxState } from '../../src/api/gen/api.js';
import { ListPodSandbox, PodSandboxStatus, RemovePodSandbox, RunPodSandbox, StopPodSandbox, UpdateRuntimeConfig } from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { makeTestDir, startDaemon, type TestDaemon } from '../support/daemon.js';
import { makeTestNetwork, mountsContaining, natRulesContaining, podConfig, sh, type TestNetwork } from '../support/pod-net.js';

interface Setup {
  d: TestDaemon;
  net: TestNetwork;
}

async function setup(t: { after: (f: () => Promise<void>) => void }, opts: Parameters<typeof makeTestNetwork>[1] = {}): Promise<Setup> {
  const dir = await makeTestDir('berth-podnet-');
  const net = await makeTestNetwork(dir, opts);
  const d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: net.toml });
  t.after(async () => {
    // Remove every pod the test left, then the daemon and the bridge.
    const pods = await d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
    for (const p of pods.items) await d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
    await d.cleanup();
    await net.cleanup();
  });
  return { d, net };
}

/** Nothing of the pod is left on the node. */
async function assertGone(d: TestDaemon, net: TestNetwork, id: string): Promise<void> {
  assert.deepEqual(await mountsContaining(id), [], 'no namespace pin or shm mount');
  for (const kind of ['net', 'ipc', 'uts']) await assert.rejects(access(join(d.state, 'ns', kind, id)), /ENOENT/, `no ${kind} pin file`);
  await assert.rejects(access(join(d.state, 'pods', id)), /ENOENT/, 'no pod directory');
  await assert.rejects(access(join(d.root, 'pods', `${id}.json`)), /ENOENT/, 'no record');
  assert.deepEqual(await net.allocations(), [], 'no host-local IP allocation');
  assert.deepEqual(await natRulesContaining(id), [], 'no iptables rules (portmap, ipMasq) for the pod');
  for (const c of await readdir('/sys/fs/cgroup')) await assert.rejects(access(join('/sys/fs/cgroup', c, 'berth', id)), /ENOENT/, `no ${c} cgroup`);
}

function nsenter(pin: string, flag: '--net' | '--uts' | '--ipc', cmd: string[]): Promise<string> {
  return sh('nsenter', [`${flag}=${pin}`, '--', ...cmd]).then((r) => r.stdout);
}

test('a pod gets its own namespaces, an IP that answers, its files, and leaves nothing behind', async (t) => {
  const { d, net } = await setup(t);
  const config = podConfig('web', {
    hostname: 'web-0',
    labels: { app: 'web', tier: 'front' },
    annotations: { note: 'hello' },
    dns_config: { servers: ['10.96.0.10'], searches: ['berth-test.svc.cluster.local', 'cluster.local'], options: ['ndots:5'] },
    // No namespace_options: pid POD (the proto3 default), so the pod gets an infra process.
    linux: { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shm_rmid_forced': '1' } },
  });
  const { podSandboxId: id } = await d.client.call(RunPodSandbox, { config });
  assert.match(id, /^[0-9a-f]{64}$/);

  const st = await d.client.call(PodSandboxStatus, { podSandboxId: id, verbose: true });
  const s = st.status!;
  assert.equal(s.state, PodSandboxState.SANDBOX_READY);
  assert.deepEqual(s.metadata, { name: 'web', namespace: 'berth-test', uid: 'uid-web', attempt: 0 });
  assert.deepEqual(s.labels, { app: 'web', tier: 'front' });
  assert.deepEqual(s.annotations, { note: 'hello' });
  assert.equal(s.runtimeHandler, 'runc');
  assert.ok(s.createdAt > BigInt(Date.now() - 60_000) * 1_000_000n, 'created_at in ns');
  assert.equal(s.linux?.namespaces?.options?.pid, 0);
  const ip = s.network!.ip;
  assert.ok(ip.startsWith(net.subnet.split('.').slice(0, 3).join('.')), `${ip} in ${net.subnet}`);
  const info = JSON.parse(st.info.info ?? '{}') as { namespacePins: Record<string, string>; files: Record<string, string> };
  const pins = info.namespacePins;
  assert.deepEqual(Object.keys(pins).sort(), ['ipc', 'net', 'uts']);

  // The IP answers from the host.
  await sh('busybox', ['ping', '-c', '1', '-W', '3', ip]);
  assert.deepEqual(await net.allocations(), [ip]);

  // Namespaces: hostname in UTS, lo up and eth0 with the IP in the netns, sysctls applied in their namespaces.
  assert.equal((await nsenter(pins.uts!, '--uts', ['hostname'])).trim(), 'web-0');
  const addrs = await nsenter(pins.net!, '--net', ['ip', '-o', 'addr']);
  assert.match(addrs, /lo\s+inet 127\.0\.0\.1/);
  assert.match(addrs, new RegExp(`eth0\\s+inet ${ip.replace(/\./g, '\\.')}/24`));
  assert.equal((await nsenter(pins.net!, '--net', ['cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start'])).trim(), '0');
  assert.equal((await nsenter(pins.ipc!, '--ipc', ['cat', '/proc/sys/kernel/shm_rmid_forced'])).trim(), '1');
  assert.notEqual((await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')).trim(), '0', 'the node is untouched');

  // Files.
  const files = info.files;
  assert.equal(await readFile(files.hostname!, 'utf8'), 'web-0\n');
  assert.equal(await readFile(files.resolvConf!, 'utf8'), 'search berth-test.svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  assert.match(await readFile(files.hosts!, 'utf8'), new RegExp(`\\n${ip.replace(/\./g, '\\.')}\\tweb-0\\n$`));
  const shm = (await mountsContaining(files.shm!)).join('\n');
  assert.match(shm, /tmpfs/);
  assert.match(shm, /size=65536k/);
  assert.equal((await stat(files.shm!)).mode & 0o7777, 0o1777);

  // List with filters, from memory.
  const all = await d.client.call(ListPodSandbox, {});
  assert.deepEqual(all.items.map((p) => p.id), [id]);
  assert.equal((await d.client.call(ListPodSandbox, { filter: { id: id.slice(0, 8) } })).items.length, 1);
  assert.equal((await d.client.call(ListPodSandbox, { filter: { labelSelector: { app: 'web' } } })).items.length, 1);
  assert.equal((await d.client.call(ListPodSandbox, { filter: { labelSelector: { app: 'db' } } })).items.length, 0);
  assert.equal((await d.client.call(ListPodSandbox, { filter: { state: { state: PodSandboxState.SANDBOX_NOTREADY } } })).items.length, 0);

  // Stop: network torn down, namespaces unpinned, the record stays NOTREADY; idempotent.
  await d.client.call(StopPodSandbox, { podSandboxId: id });
  await d.client.call(StopPodSandbox, { podSandboxId: id });
  const stopped = await d.client.call(PodSandboxStatus, { podSandboxId: id });
  assert.equal(stopped.status?.state, PodSandboxState.SANDBOX_NOTREADY);
  assert.deepEqual(await net.allocations(), [], 'IP released on stop');
  assert.deepEqual(await mountsContaining(id), [], 'pins and shm unmounted on stop');
  assert.equal((await d.client.call(ListPodSandbox, { filter: { state: { state: PodSandboxState.SANDBOX_NOTREADY } } })).items.length, 1);

  // Remove: everything gone; idempotent; unknown ids are fine.
  await d.client.call(RemovePodSandbox, { podSandboxId: id });
  await d.client.call(RemovePodSandbox, { podSandboxId: id });
  await d.client.call(StopPodSandbox, { podSandboxId: 'f'.repeat(64) });
  await d.client.call(RemovePodSandbox, { podSandboxId: 'f'.repeat(64) });
  await assertGone(d, net, id);
  await assert.rejects(d.client.call(PodSandboxStatus, { podSandboxId: id }), (e: unknown) => e instanceof GrpcStatusError && e.grpcCode === Code.NotFound);
});

test('a hostPort reaches the pod through portmap, and its rules go with the pod', async (t) => {
  const { d, net } = await setup(t);
  const hostPort = 20000 + Math.floor(Math.random() * 20000);
  const { podSandboxId: id } = await d.client.call(RunPodSandbox, {
    config: podConfig('ports', { port_mappings: [{ protocol: 0, container_port: 8080, host_port: hostPort }], linux: { security_context: { namespace_options: { pid: 2 } } } }),
  });
  const st = await d.client.call(PodSandboxStatus, { podSandboxId: id, verbose: true });
  const pins = (JSON.parse(st.info.info ?? '{}') as { namespacePins: Record<string, string> }).namespacePins;
  // A tiny TCP server inside the pod's network namespace.
  const server = spawn('nsenter', [`--net=${pins.net}`, '--', process.execPath, '-e', "require('net').createServer((s) => s.end('hello from the pod\\n')).listen(8080, () => console.log('up'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    server.kill('SIGKILL');
  });
  await new Promise<void>((resolve) => server.stdout.once('data', () => resolve()));
  assert.ok((await natRulesContaining(id)).length > 0, 'portmap rules exist while the pod runs');

  // The node's own address (127.0.0.1 would need route_localnet) and the bridge gateway both reach the pod.
  const hostIp = (await sh('ip', ['-4', '-o', 'route', 'get', '1.1.1.1'])).stdout.match(/src (\S+)/)?.[1];
  for (const addr of [hostIp, net.gateway].filter((a): a is string => !!a)) {
    const reply = await new Promise<string>((resolve, reject) => {
      const c = connect(hostPort, addr);
      let buf = '';
      c.on('data', (b) => (buf += b.toString()));
      c.on('end', () => resolve(buf));
      c.on('error', reject);
      c.setTimeout(5000, () => reject(new Error(`timeout connecting to ${addr}:${hostPort}`)));
    });
    assert.equal(reply, 'hello from the pod\n', `via ${addr}:${hostPort}`);
  }
  await d.client.call(StopPodSandbox, { podSandboxId: id });
  await d.client.call(RemovePodSandbox, { podSandboxId: id });
  await assertGone(d, net, id);
});

test('host-network pods: no CNI, the node IP, the node UTS, host files', async (t) => {
  const { d, net } = await setup(t);
  const { podSandboxId: id } = await d.client.call(RunPodSandbox, {
    config: podConfig('hostnet', { hostname: '', linux: { security_context: { namespace_options: { network: 2, pid: 2, ipc: 2 } } } }),
  });
  const st = await d.client.call(PodSandboxStatus, { podSandboxId: id, verbose: true });
  const hostIps = (await sh('hostname', ['-I'])).stdout.trim().split(/\s+/);
  assert.ok(hostIps.includes(st.status!.network!.ip), `${st.status!.network!.ip} is one of ${hostIps.join(' ')}`);
  assert.deepEqual(await net.allocations(), []);
  const info = JSON.parse(st.info.info ?? '{}') as { namespacePins: Record<string, string>; files: Record<string, string> };
  assert.deepEqual(info.namespacePins, {});
  assert.equal(await readFile(info.files.hosts!, 'utf8'), await readFile('/etc/hosts', 'utf8'));
  assert.equal(await readFile(info.files.resolvConf!, 'utf8'), await readFile('/etc/resolv.conf', 'utf8'));
  await d.client.call(RemovePodSandbox, { podSandboxId: id });
  await assertGone(d, net, id);
});

test('RunPodSandbox retried with the same metadata returns the same pod', async (t) => {
  const { d, net } = await setup(t);
  const config = podConfig('retry', { linux: { security_context: { namespace_options: { pid: 2 } } } });
  const [a, b] = await Promise.all([d.client.call(RunPodSandbox, { config }), d.client.call(RunPodSandbox, { config })]);
  assert.equal(a.podSandboxId, b.podSandboxId, 'concurrent retry waits for the in-flight one');
  const c = await d.client.call(RunPodSandbox, { config });
  assert.equal(c.podSandboxId, a.podSandboxId, 'a later retry gets the ready pod');
  assert.equal((await d.client.call(ListPodSandbox, {})).items.length, 1);
  assert.equal((await net.allocations()).length, 1);
  // A new attempt is a new pod.
  const next = await d.client.call(RunPodSandbox, { config: podConfig('retry', { metadata: { name: 'retry', namespace: 'berth-test', uid: 'uid-retry', attempt: 1 }, linux: { security_context: { namespace_options: { pid: 2 } } } }) });
  assert.notEqual(next.podSandboxId, a.podSandboxId);
});

test('invalid requests are refused before anything is created', async (t) => {
  const { d } = await setup(t);
  const expectInvalid = async (config: ReturnType<typeof podConfig>, runtimeHandler: string, re: RegExp): Promise<void> => {
    await assert.rejects(d.client.call(RunPodSandbox, { config, runtimeHandler }), (e: unknown) => {
      assert.ok(e instanceof GrpcStatusError);
      assert.equal(e.grpcCode, Code.InvalidArgument, e.details);
      assert.match(e.details, re);
      return true;
    });
  };
  await expectInvalid(podConfig('h'), 'kata', /runtime handler "kata" is not configured/);
  await expectInvalid(podConfig('s', { linux: { sysctls: { 'kernel.pid_max': '4096' } } }), '', /not namespaced/);
  await expectInvalid(podConfig('n', { linux: { sysctls: { 'net.core.somaxconn': '1' }, security_context: { namespace_options: { network: 2 } } } }), '', /shares with the node/);
  assert.equal((await d.client.call(ListPodSandbox, {})).items.length, 0);
  assert.deepEqual(await mountsContaining(d.state), [await mountsContaining(join(d.state, 'ns'))].flat(), 'only the private ns mount');
});

test('UpdateRuntimeConfig\'s pod CIDR reaches host-local through the ipRanges capability', async (t) => {
  const a = 100 + Math.floor(Math.random() * 150);
  const cidr = `10.${a}.77.0/24`;
  const { d } = await setup(t, { bridgeExtra: { capabilities: { ipRanges: true } }, ipam: { type: 'host-local', routes: [{ dst: '0.0.0.0/0' }] } });
  await d.client.call(UpdateRuntimeConfig, { runtimeConfig: { networkConfig: { podCidr: cidr } } });
  const { podSandboxId } = await d.client.call(RunPodSandbox, { config: podConfig('ranged', { linux: { security_context: { namespace_options: { pid: 2 } } } }) });
  const ip = (await d.client.call(PodSandboxStatus, { podSandboxId })).status!.network!.ip;
  assert.ok(ip.startsWith(`10.${a}.77.`), `${ip} in ${cidr}`);
});
