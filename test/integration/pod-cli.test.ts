// berthctl runp/pods/inspectp/stopp/rmp against a real berthd, with crictl's
// flags, output shapes and messages; pod configs in crictl's snake_case JSON,
// camelCase JSON, and YAML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListPodSandbox, RemovePodSandbox } from '../../src/api/methods.js';
import { BERTHCTL, makeTestDir, runCli, startDaemon, type TestDaemon } from '../support/daemon.js';
import { makeTestNetwork, type TestNetwork } from '../support/pod-net.js';

async function setup(t: { after: (f: () => Promise<void>) => void }): Promise<{ d: TestDaemon; net: TestNetwork; ctl: (...args: string[]) => ReturnType<typeof runCli> }> {
  const net = await makeTestNetwork(await makeTestDir('berth-podcli-'));
  const d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: net.toml });
  t.after(async () => {
    const pods = await d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
    for (const p of pods.items) await d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
    await d.cleanup();
    await net.cleanup();
  });
  return { d, net, ctl: (...args: string[]) => runCli(BERTHCTL, ['-r', d.endpoint, '-t', '30s', ...args], { NODE_EXTRA_CA_CERTS: '' }) };
}

// crictl's documented sample pod config (snake_case, as crictl's files use).
const SNAKE = {
  metadata: { name: 'nginx-sandbox', namespace: 'default', attempt: 1, uid: 'hdishd83djaidwnduwk28bcsb' },
  log_directory: '/tmp',
  linux: {},
  labels: { app: 'nginx' },
};

const YAML = `metadata:
  name: yaml-sandbox
  namespace: cli-test
  # uid left out: berthctl generates one, as crictl does
hostname: yaml-host
dns_config:
  servers: [10.96.0.10]
linux:
  security_context:
    namespace_options:
      pid: 2
labels:
  app: yaml
`;

test('runp from snake_case JSON, camelCase JSON and YAML; pods; inspectp; stopp; rmp', async (t) => {
  const { d, ctl } = await setup(t);
  const dir = d.dir;
  await writeFile(join(dir, 'snake.json'), JSON.stringify(SNAKE));
  await writeFile(join(dir, 'camel.json'), JSON.stringify({ metadata: { name: 'camel-sandbox', namespace: 'default', uid: 'c1' }, logDirectory: '/tmp', labels: { app: 'camel' } }));
  await writeFile(join(dir, 'pod.yaml'), YAML);

  const a = await ctl('runp', join(dir, 'snake.json'));
  assert.equal(a.code, 0, a.stderr);
  const idA = a.stdout.trim();
  assert.match(idA, /^[0-9a-f]{64}$/);
  const b = await ctl('runp', '--runtime', 'runc', join(dir, 'camel.json'));
  assert.equal(b.code, 0, b.stderr);
  const idB = b.stdout.trim();
  const c = await ctl('runp', '-T', '20s', join(dir, 'pod.yaml'));
  assert.equal(c.code, 0, c.stderr);
  const idC = c.stdout.trim();

  // pods: table, newest first, ids truncated to 13.
  const table = await ctl('pods');
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^POD ID\s{8,}CREATED\s+STATE\s+NAME\s+NAMESPACE\s+ATTEMPT\s+RUNTIME$/);
  assert.equal(lines.length, 4);
  assert.match(lines[1]!, new RegExp(`^${idC.slice(0, 13)}\\s+(Less than a second|\\d+ seconds?) ago\\s+Ready\\s+yaml-sandbox\\s+cli-test\\s+0\\s+runc$`));
  assert.match(lines[3]!, new RegExp(`^${idA.slice(0, 13)} .*nginx-sandbox\\s+default\\s+1\\s+runc$`));

  assert.deepEqual((await ctl('pods', '-q')).stdout.trim().split('\n'), [idC, idB, idA]);
  assert.deepEqual((await ctl('pods', '-q', '--namespace', '^cli')).stdout.trim().split('\n'), [idC]);
  assert.deepEqual((await ctl('pods', '-q', '--label', 'app=camel')).stdout.trim().split('\n'), [idB]);
  assert.deepEqual((await ctl('pods', '-q', '--name', 'sandbox$', '--last', '2')).stdout.trim().split('\n'), [idC, idB]);
  assert.deepEqual((await ctl('pods', '-ql')).stdout.trim().split('\n'), [idC]);
  assert.deepEqual((await ctl('pods', '--no-trunc', '--id', idA.slice(0, 6))).stdout.trim().split('\n')[1]?.split(/\s+/)[0], idA);

  const json = JSON.parse((await ctl('pods', '-o', 'json', '--id', idA)).stdout) as { items: { id: string; state: string; createdAt: string; metadata: { attempt: number }; labels: Record<string, string> }[] };
  assert.equal(json.items.length, 1);
  assert.equal(json.items[0]!.state, 'SANDBOX_READY', 'default values are emitted');
  assert.match(json.items[0]!.createdAt, /^\d{19}$/);
  assert.equal(json.items[0]!.metadata.attempt, 1);
  assert.deepEqual(json.items[0]!.labels, { app: 'nginx' });
  assert.match((await ctl('pods', '-o', 'yaml')).stdout, /^items:\n- /);

  // inspectp: status + decoded info; several ids give a list; -q drops info.
  const ins = await ctl('inspectp', idC);
  assert.equal(ins.code, 0, ins.stderr);
  const one = JSON.parse(ins.stdout) as { status: { id: string; state: string; createdAt: string; network: { ip: string }; linux: { namespaces: { options: { pid: string; network: string } } }; metadata: { uid: string } }; info: { info: { hostname: string; files: { resolvConf: string } } } };
  assert.equal(one.status.id, idC);
  assert.equal(one.status.state, 'SANDBOX_READY');
  assert.match(one.status.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.match(one.status.network.ip, /^10\./);
  assert.deepEqual(one.status.linux.namespaces.options, { network: 'POD', pid: 'NODE', ipc: 'POD', targetId: '' });
  assert.match(one.status.metadata.uid, /^[0-9a-f-]{36}$/, 'uid generated');
  assert.equal(one.info.info.hostname, 'yaml-host');
  const two = JSON.parse((await ctl('inspectp', '-q', idA, idB)).stdout) as { status: { id: string }; info?: unknown }[];
  assert.deepEqual(two.map((x) => x.status.id), [idA, idB]);
  assert.equal(two[0]!.info, undefined);
  assert.match((await ctl('inspectp', '-o', 'table', idA)).stdout, /^ID: [0-9a-f]{64}\nName: nginx-sandbox\nUID: hdishd83djaidwnduwk28bcsb\nNamespace: default\nAttempt: 1\nStatus: Ready\nCreated: .* \+0000 UTC\nIP Addresses: 10\./);
  const missing = await ctl('inspectp', 'f'.repeat(64));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /NotFound/);

  // rmp refuses a ready pod without -f; stopp; rmp; rmp -f; rmp -a.
  const refused = await ctl('rmp', idA);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`pod sandbox "${idA}" is running, please stop it first`));
  const stopped = await ctl('stopp', idA);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.equal(stopped.stdout, `Stopped sandbox ${idA}\n`);
  assert.equal((await ctl('pods', '-q', '--state', 'NotReady')).stdout.trim(), idA);
  assert.equal((await ctl('rmp', idA)).stdout, `Removed sandbox ${idA}\n`);
  const forced = await ctl('rmp', '-f', idB);
  assert.equal(forced.stdout, `Stopped sandbox ${idB}\nRemoved sandbox ${idB}\n`);
  const all = await ctl('rmp', '-af');
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout, `Stopped sandbox ${idC}\nRemoved sandbox ${idC}\n`);
  assert.equal((await ctl('pods', '-q')).stdout, '');
});

test('runp errors: bad file, missing metadata, unknown handler', async (t) => {
  const { d, ctl } = await setup(t);
  const noFile = await ctl('runp', join(d.dir, 'nope.json'));
  assert.equal(noFile.code, 1);
  assert.match(noFile.stderr, /config at .*nope\.json not found/);
  await writeFile(join(d.dir, 'nometa.json'), '{"hostname":"x"}');
  assert.match((await ctl('runp', join(d.dir, 'nometa.json'))).stderr, /metadata is not set/);
  await writeFile(join(d.dir, 'ok.json'), JSON.stringify(SNAKE));
  const bad = await ctl('runp', '-r', 'kata', join(d.dir, 'ok.json'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /run pod sandbox: .*InvalidArgument.*runtime handler "kata" is not configured/);
  const usage = await ctl('runp');
  assert.equal(usage.code, 1);
});
