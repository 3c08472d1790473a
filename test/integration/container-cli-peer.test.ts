// berthctl's container verbs against containerd's CRI plugin (Debian's
// containerd 1.6): the same commands work on another runtime — ID prefixes
// through ListContainers' filter, shapes, logs read from containerd's files,
// exec -s exit codes, stop/rm.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListPodSandbox, RemovePodSandbox, StopPodSandbox } from '../../src/api/methods.js';
import { CriClient } from '../../src/client/cri-client.js';
import { startContainerd, type ContainerdPeer } from '../support/containerd.js';
import { BERTHCTL, makeTestDir, runCli, waitFor } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../support/images/build.js';
import { makeTestNetwork, type TestNetwork } from '../support/pod-net.js';
import { imageRef, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

let reg: RunningRegistry;
let net: TestNetwork;
let c: ContainerdPeer;
let dir: string;
let busybox: string;

const ctl = (...args: string[]) => runCli(BERTHCTL, ['-r', c.endpoint, '-t', '60s', ...args], { NODE_EXTRA_CA_CERTS: '' });
async function ok(...args: string[]): Promise<string> {
  const r = await ctl(...args);
  assert.equal(r.code, 0, `berthctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  const images = await seedRegistry(reg, DEFAULT_IMAGE_DIR);
  busybox = imageRef(reg.host, images.busybox);
  const pause = imageRef(reg.host, images.catatonit);
  dir = await makeTestDir('berth-ctrcli-peer-');
  net = await makeTestNetwork(dir);
  c = await startContainerd({ cniConfDir: net.confDir, mirrors: { [reg.host]: `http://${reg.host}` }, sandboxImage: pause });
  await ok('pull', pause);
});

after(async () => {
  if (c) {
    const client = new CriClient(c.endpoint, 60_000);
    const { items } = await client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
    for (const p of items) {
      await client.call(StopPodSandbox, { podSandboxId: p.id }).catch(() => undefined);
      await client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
    }
    client.close();
    await c.stop();
  }
  await net?.cleanup();
  await reg?.stop();
});

it('run, ps, inspect, logs, exec -s, stop, rm against containerd', async () => {
  const pod = join(dir, 'pod.json');
  await writeFile(pod, JSON.stringify({ metadata: { name: 'peer', namespace: 'cli-ns', uid: 'peer-uid' }, log_directory: join(dir, 'logs'), linux: {} }));
  const ctr = join(dir, 'ctr.yaml');
  await writeFile(ctr, `metadata:\n  name: talker\nimage:\n  image: ${busybox}\ncommand: [sh, -c, "echo hello; echo oops >&2; exec sleep 1000"]\nlog_path: talker.log\n`);
  const id = (await ok('run', ctr, pod)).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(await ok('ps', '-q'), `${id}\n`);
  assert.match((await ok('ps')).split('\n')[1]!, new RegExp(`^${id.slice(0, 13)}\\s+\\S+\\s+.* ago\\s+Running\\s+talker\\s+0\\s+[0-9a-f]{13}\\s+unknown\\s+unknown$`));
  const doc = JSON.parse(await ok('inspect', id.slice(0, 10))) as { status: { id: string; state: string; logPath: string }; info: { pid: number } };
  assert.equal(doc.status.id, id);
  assert.equal(doc.status.state, 'CONTAINER_RUNNING');
  assert.ok(doc.info.pid > 0, "containerd's verbose info decoded");
  await waitFor(async () => (await ctl('logs', id)).stdout === 'hello\n', 10_000, () => 'no log line');
  assert.equal((await ctl('logs', id.slice(0, 8))).stderr, 'oops\n');
  const ex = await ctl('exec', '-s', id, 'sh', '-c', 'echo out; exit 4');
  assert.equal(ex.code, 4);
  assert.equal(ex.stdout, 'out\n');
  assert.equal(await ok('stop', '-t', '1', id.slice(0, 12)), `${id.slice(0, 12)}\n`);
  assert.match(await ok('ps', '-a', '--id', id), /\sExited\s/);
  assert.equal(await ok('rm', id.slice(0, 12)), `${id.slice(0, 12)}\n`);
  assert.equal(await ok('ps', '-qa'), '');
  const bad = await ctl('inspect', 'f00ba4');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no such container "f00ba4"/);
});

it('RPCs containerd 1.6 lacks are one clear line: events, checkpoint', async () => {
  const ev = await ctl('events');
  assert.equal(ev.code, 1);
  assert.equal(ev.stderr, 'berthctl: getting container events: this runtime does not implement GetContainerEvents (CRI evented PLEG)\n');
  const pod = join(dir, 'pod2.json');
  await writeFile(pod, JSON.stringify({ metadata: { name: 'peer2', namespace: 'cli-ns', uid: 'peer2-uid' }, log_directory: join(dir, 'logs2'), linux: {} }));
  const ctr = join(dir, 'ctr2.yaml');
  await writeFile(ctr, `metadata:\n  name: cp\nimage:\n  image: ${busybox}\ncommand: [sleep, "1000"]\nlog_path: cp.log\n`);
  const id = (await ok('run', '--no-pull', ctr, pod)).trim();
  const cp = await ctl('checkpoint', '-e', join(dir, 'cp.tar'), id);
  assert.equal(cp.code, 1);
  assert.equal(cp.stderr, `berthctl: checkpointing the container "${id}" failed: this runtime does not support checkpointing (CheckpointContainer is unimplemented)\n`);
  await ok('rm', '-f', id);
});
