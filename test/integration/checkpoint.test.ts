// CheckpointContainer and restore-by-CreateContainer through a real berthd,
// runc and conmon. Every bad request fails naming its field; CRIU's verdict
// on this host decides the rest: where `criu check` fails (CRIU 3.17 on this
// 6.x kernel: it cannot read the vDSO) the RPC fails FailedPrecondition
// quoting why, leaving no archive and no work directory; where CRIU works the
// archive has CRI-O's layout. Checkpoint archives given to CreateContainer
// are hostile input: nothing is ever written outside the extraction
// directory, and a refused archive leaves no container and no files.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContainerConfig, type PodSandboxConfig } from '../../src/api/gen/api.js';
import { CheckpointContainer, ContainerStatus, CreateContainer, ListContainers, PullImage, RemoveContainer, RemovePodSandbox, RunPodSandbox, StartContainer, StopContainer } from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { criuCheckReason } from '../../src/oci/criu.js';
import { Code } from '../../src/util/errors.js';
import { BERTHCTL, makeTestDir, runCli, startDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR, writeTar, type TarEntry } from '../support/images/build.js';
import { podConfig } from '../support/pod-net.js';
import { imageRef, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

const run = promisify(execFile);
let reg: RunningRegistry;
let busybox: string;
let d: TestDaemon;
let dir: string;
let pod: string;
let config: PodSandboxConfig;
/** `criu check` here: undefined when CRIU works, else the reason its errors give. */
let criuBroken: string | undefined;

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
  d = await startDaemon();
  dir = await makeTestDir('berth-ckpt-');
  await d.client.call(PullImage, { image: { image: busybox } });
  config = podConfig(`ckpt-${process.pid}`, { linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER' } } } });
  pod = (await d.client.call(RunPodSandbox, { config })).podSandboxId;
  criuBroken = await run('criu', ['check']).then(
    () => undefined,
    (e: { stdout?: string; stderr?: string }) => criuCheckReason(`${e.stdout ?? ''}\n${e.stderr ?? ''}`),
  );
});

after(async () => {
  await d?.client.call(RemovePodSandbox, { podSandboxId: pod }).catch(() => undefined);
  await d?.cleanup();
  await rm(dir, { recursive: true, force: true });
  await reg?.stop();
});

const counter = (name: string) =>
  ContainerConfig.fromPartial({ metadata: { name, attempt: 0 }, image: { image: busybox }, command: ['sh', '-c', 'i=0; while :; do echo $i > /count; i=$((i+1)); sleep 0.1; done'] });

const rejectsWith = (code: Code, re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof GrpcStatusError, String(e));
  assert.equal(e.grpcCode, code, e.details);
  assert.match(e.details, re);
  return true;
};

const leftovers = async (): Promise<string[]> => readdir(join(d.state, 'checkpoints')).catch(() => []);

it('CheckpointContainer: bad requests name their field; CRIU decides the rest, nothing partial is left', async () => {
  const { containerId: id } = await d.client.call(CreateContainer, { podSandboxId: pod, sandboxConfig: config, config: counter('counter') });
  const loc = join(dir, 'counter.tar');
  // Created, not running.
  await assert.rejects(d.client.call(CheckpointContainer, { containerId: id, location: loc }), rejectsWith(Code.FailedPrecondition, /is created, not running: cannot checkpoint/));
  await d.client.call(StartContainer, { containerId: id });
  await assert.rejects(d.client.call(CheckpointContainer, { containerId: '', location: loc }), rejectsWith(Code.InvalidArgument, /container_id is empty/));
  await assert.rejects(d.client.call(CheckpointContainer, { containerId: 'f00d', location: loc }), rejectsWith(Code.NotFound, /container "f00d" not found/));
  await assert.rejects(d.client.call(CheckpointContainer, { containerId: id, location: '' }), rejectsWith(Code.InvalidArgument, /location is empty/));
  await assert.rejects(d.client.call(CheckpointContainer, { containerId: id, location: 'rel.tar' }), rejectsWith(Code.InvalidArgument, /location "rel.tar" must be an absolute path/));
  await assert.rejects(d.client.call(CheckpointContainer, { containerId: id, location: join(dir, 'no/such/dir.tar') }), rejectsWith(Code.InvalidArgument, /directory .* does not exist/));
  await assert.rejects(d.client.call(CheckpointContainer, { containerId: id, location: dir }), rejectsWith(Code.InvalidArgument, /is a directory/));
  await assert.rejects(d.client.call(CheckpointContainer, { containerId: id, location: loc, timeout: -1n }), rejectsWith(Code.InvalidArgument, /timeout must not be negative/));

  if (criuBroken) {
    // The reason, as precise as CRIU gives it (e.g. "vdso: Unexpected rt vDSO area bounds").
    const first = criuBroken.split('; ')[0] as string;
    await assert.rejects(d.client.call(CheckpointContainer, { containerId: id, location: loc }), (e: unknown) => {
      rejectsWith(Code.FailedPrecondition, /^runtime: cannot checkpoint container [0-9a-f]{64}: `criu check` fails with CRIU \S+ on kernel \S+: /)(e);
      assert.ok((e as GrpcStatusError).details.includes(first), `${(e as GrpcStatusError).details} names ${first}`);
      return true;
    });
    const cli = await runCli(BERTHCTL, ['-r', d.endpoint, 'checkpoint', `--export=${loc}`, id.slice(0, 12)], { NODE_EXTRA_CA_CERTS: '' });
    assert.notEqual(cli.code, 0);
    assert.ok(cli.stderr.includes(first), cli.stderr);
    await assert.rejects(stat(loc), /ENOENT/, 'no archive');
  } else {
    await d.client.call(CheckpointContainer, { containerId: id, location: loc });
    const { stdout } = await run('tar', ['-tf', loc]);
    const names = new Set(stdout.split('\n').map((n) => n.replace(/\/$/, '')));
    for (const f of ['checkpoint', 'config.dump', 'spec.dump', 'rootfs-diff.tar', 'deleted.files']) assert.ok(names.has(f), f);
  }
  assert.deepEqual(await leftovers(), [], 'no work directory left');
  const st = await d.client.call(ContainerStatus, { containerId: id });
  assert.equal(st.status?.state, 1, 'the container keeps running');
});

it('restore: hostile or malformed archives are refused naming config.image.image, nothing is written outside, no container is left', async () => {
  const outside = join(dir, 'outside');
  await mkdir(outside);
  const archive = async (name: string, entries: TarEntry[]): Promise<string> => {
    const p = join(dir, name);
    await writeFile(p, writeTar(entries));
    return p;
  };
  const create = (image: string) => d.client.call(CreateContainer, { podSandboxId: pod, sandboxConfig: config, config: ContainerConfig.fromPartial({ metadata: { name: 'restored', attempt: 0 }, image: { image } }) });
  const before = (await d.client.call(ListContainers, {})).containers.length;
  const dump = { type: 'file' as const, path: 'config.dump', content: JSON.stringify({ id: 'x', name: 'x', rootfsImageName: busybox, rootfsImageRef: 'sha256:00', runtime: 'runc' }) };
  const spec = { type: 'file' as const, path: 'spec.dump', content: '{}' };

  const climb = await archive('climb.tar', [dump, spec, { type: 'file', path: `../../../../../../..${outside}/climbed`, content: 'x' }]);
  await assert.rejects(create(climb), rejectsWith(Code.InvalidArgument, /config\.image\.image: checkpoint archive .* refused: .*"\.\." in path/));
  const abs = await archive('abs.tar', [dump, { type: 'file', path: `${outside}/absolute`, content: 'x' }]);
  await assert.rejects(create(abs), rejectsWith(Code.InvalidArgument, /refused: .*absolute path/));
  const planted = await archive('planted.tar', [dump, spec, { type: 'symlink', path: 'checkpoint', target: outside }, { type: 'file', path: 'checkpoint/through-link', content: 'x' }]);
  await assert.rejects(create(planted), rejectsWith(Code.InvalidArgument, /refused: .*symlink/));
  assert.deepEqual(await readdir(outside), [], 'nothing written outside the extraction directory');

  const incomplete = await archive('incomplete.tar', [spec, { type: 'dir', path: 'checkpoint' }]);
  await assert.rejects(create(incomplete), rejectsWith(Code.InvalidArgument, /has no config\.dump/));
  const garbage = join(dir, 'garbage.tar');
  await writeFile(garbage, Buffer.alloc(2048, 0x41));
  await assert.rejects(create(garbage), rejectsWith(Code.InvalidArgument, /config\.image\.image: checkpoint archive .*(is not a readable archive|refused)/));
  await assert.rejects(create(join(dir, 'missing.tar')), rejectsWith(Code.NotFound, /checkpoint archive ".*missing.tar" does not exist/));

  // A well-formed archive: CRIU's verdict here; where CRIU works, its base image (sha256:00) is missing.
  const good = await archive('good.tar', [dump, spec, { type: 'dir', path: 'checkpoint' }, { type: 'file', path: 'checkpoint/inventory.img', content: 'x' }, { type: 'file', path: 'deleted.files', content: '[]' }]);
  if (criuBroken) await assert.rejects(create(good), rejectsWith(Code.FailedPrecondition, /cannot restore from checkpoint archive .*`criu check` fails/));
  else await assert.rejects(create(good), rejectsWith(Code.NotFound, /was taken on image .* which is not present/));

  assert.equal((await d.client.call(ListContainers, {})).containers.length, before, 'no container left');
  assert.deepEqual(await leftovers(), [], 'no extraction directory left');
});

it('checkpoint and restore: a counter comes back with its memory and keeps counting from where it stopped', async (t) => {
  if (criuBroken) return t.skip(`CRIU cannot run here: ${criuBroken}`);
  // A token drawn once at start and the count live only in the shell's memory; the file shows them.
  const ctr = ContainerConfig.fromPartial({
    metadata: { name: 'mem-counter', attempt: 0 },
    image: { image: busybox },
    command: ['sh', '-c', 't=$RANDOM$RANDOM; i=0; while :; do i=$((i+1)); echo "$t $i" > /count; sleep 0.1; done'],
  });
  const { containerId: id } = await d.client.call(CreateContainer, { podSandboxId: pod, sandboxConfig: config, config: ctr });
  await d.client.call(StartContainer, { containerId: id });
  // Read on the host, from the container's writable layer (no exec: slow under emulation).
  const read = async (c: string): Promise<{ token: string; n: number }> => {
    const text = await readFile(join(d.root, 'containers', c, 'upper', 'count'), 'utf8').catch(() => '');
    const [token = '', n = '0'] = text.trim().split(' ');
    return { token, n: Number(n) };
  };
  await waitFor(async () => (await read(id)).n >= 20, 60_000, () => 'the counter to reach 20');
  const loc = join(dir, 'mem-counter.tar');
  await d.client.call(CheckpointContainer, { containerId: id, location: loc });
  const atCheckpoint = await read(id);
  await d.client.call(StopContainer, { containerId: id, timeout: 0n });
  await d.client.call(RemoveContainer, { containerId: id });

  // Restore into the same pod under a new attempt, as the kubelet would.
  const restoreCfg = ContainerConfig.fromPartial({ metadata: { name: 'mem-counter', attempt: 1 }, image: { image: loc } });
  const { containerId: back } = await d.client.call(CreateContainer, { podSandboxId: pod, sandboxConfig: config, config: restoreCfg });
  assert.deepEqual(await leftovers().then((l) => l.length), 1, 'the extracted archive waits for StartContainer');
  await d.client.call(StartContainer, { containerId: back });
  assert.deepEqual(await leftovers(), [], 'and is gone once restored');
  const first = await read(back);
  await waitFor(async () => (await read(back)).n > first.n + 5, 60_000, () => 'the restored counter to go on');
  const later = await read(back);
  // Same token: the same shell, its memory restored (a fresh start would draw a new one); the count went on.
  assert.equal(later.token, atCheckpoint.token);
  assert.ok(later.n > atCheckpoint.n - 5, `restored count ${later.n} continues from ${atCheckpoint.n}`);
  const st = await d.client.call(ContainerStatus, { containerId: back });
  assert.equal(st.status?.state, 1, 'running');
  await d.client.call(RemoveContainer, { containerId: back });
});
