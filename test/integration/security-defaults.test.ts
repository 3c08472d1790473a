// Security defaults, checked on the machine: the CRI socket is 0660 root:root
// and --root/--state are 0711; the streaming server listens on loopback only
// and its tokens are single-use; a container the kubelet asks to confine
// (RuntimeDefault seccomp, no_new_privs — what a "restricted" pod gets) or
// one that asks nothing is confined in the kernel's eyes, one asking
// Unconfined or a privileged one is not, and the pod's
// infra process always is; nothing under --root or --state is world-writable
// except what must be (a pod's /dev/shm, image and container content).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { ContainerStatus, Exec, PodSandboxStatus, PullImage } from '../../src/api/methods.js';
import { runExecClient } from '../../src/client/stream/exec-client.js';
import { UpgradeError } from '../../src/client/stream/spdy-dial.js';
import { createAndStart, ctrConfig, podConfigFor, runPod, startNode, startTestRegistry, stopNode, type Node, type Registry } from '../support/reliability.js';

const sh = promisify(execFile);

let reg: Registry;
let n: Node;

before(async () => {
  reg = await startTestRegistry();
  n = await startNode();
  await n.d.client.call(PullImage, { image: { image: reg.busybox } });
});
after(async () => {
  await stopNode(n);
  await reg?.reg.stop();
});

class Discard extends Writable {
  override _write(_c: Buffer, _e: BufferEncoding, cb: () => void): void {
    cb();
  }
}

/** Seccomp mode (0 off, 2 filter) and NoNewPrivs of a process, from /proc/<pid>/status. */
async function confinement(pid: number): Promise<{ seccomp: number; noNewPrivs: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return { seccomp: Number(/^Seccomp:\s+(\d)/m.exec(status)?.[1]), noNewPrivs: Number(/^NoNewPrivs:\s+(\d)/m.exec(status)?.[1]) };
}

async function pidOf(containerId: string): Promise<number> {
  const info = (await n.d.client.call(ContainerStatus, { containerId, verbose: true })).info.info ?? '{}';
  return (JSON.parse(info) as { pid: number }).pid;
}

it('the CRI socket is 0660 owned by root:root; --root and --state are 0711', async () => {
  const s = await stat(n.d.socket);
  assert.ok(s.isSocket());
  assert.equal(s.mode & 0o777, 0o660);
  assert.equal(s.uid, 0);
  assert.equal(s.gid, 0);
  for (const d of [n.d.root, n.d.state]) assert.equal((await stat(d)).mode & 0o777, 0o711, d);
});

it('the streaming server listens on loopback only; a token works once', async () => {
  const pod = podConfigFor(n, 'stream');
  const podId = await runPod(n, pod);
  const id = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'app'));
  const { url } = await n.d.client.call(Exec, { containerId: id, cmd: ['true'], stdout: true });
  assert.equal(new URL(url).hostname, '127.0.0.1');
  const { stdout } = await sh('ss', ['-Hltnp']);
  const mine = stdout.split('\n').filter((l) => l.includes(`pid=${n.d.proc.pid},`));
  assert.ok(mine.length > 0, 'berthd listens on a TCP port (the streaming server)');
  for (const l of mine) assert.match(l.split(/\s+/)[3] ?? '', /^(127\.0\.0\.1|\[::1\]):\d+$/, l);
  assert.equal((await runExecClient(url, { stdout: new Discard() })).exitCode, 0);
  await assert.rejects(runExecClient(url, { stdout: new Discard() }), (e: unknown) => e instanceof UpgradeError && e.status === 404);
});

it('asked for RuntimeDefault and no_new_privs, or asking nothing, the container runs under a seccomp filter without privilege gain; asked Unconfined or privileged, it does not; the infra process always does', async () => {
  const pod = podConfigFor(n, 'confined');
  const podId = await runPod(n, pod);
  const restricted = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'restricted', ['sleep', '1000'], { linux: { securityContext: { seccomp: { profileType: 'RuntimeDefault' }, noNewPrivs: true } } }));
  assert.deepEqual(await confinement(await pidOf(restricted)), { seccomp: 2, noNewPrivs: 1 });
  const spec = JSON.parse(await readFile(join(n.d.state, 'containers', restricted, 'config.json'), 'utf8')) as { process: { noNewPrivileges?: boolean }; linux: { seccomp?: { defaultAction: string } } };
  assert.equal(spec.process.noNewPrivileges, true);
  assert.match(spec.linux.seccomp?.defaultAction ?? '', /SCMP_ACT_ERRNO/);

  const privPod = podConfigFor(n, 'privileged', { linux: { securityContext: { privileged: true } } });
  const privPodId = await runPod(n, privPod);
  const priv = await createAndStart(n, privPodId, privPod, ctrConfig(reg.busybox, 'priv', ['sleep', '1000'], { linux: { securityContext: { privileged: true, seccomp: { profileType: 'RuntimeDefault' } } } }));
  assert.equal((await confinement(await pidOf(priv))).seccomp, 0, 'privileged: no seccomp (as containerd)');

  // A request naming no profile at all gets the default profile and no_new_privs ([runtime]
  // seccomp_use_default_when_empty / no_new_privs_when_empty, both on by default); one naming
  // Unconfined (what the kubelet sends for a pod without a profile) is taken as asked.
  const plain = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'plain'));
  assert.deepEqual(await confinement(await pidOf(plain)), { seccomp: 2, noNewPrivs: 1 });
  const asked = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'asked', ['sleep', '1000'], { linux: { securityContext: { seccomp: { profileType: 'Unconfined' } } } }));
  assert.deepEqual(await confinement(await pidOf(asked)), { seccomp: 0, noNewPrivs: 0 });
  const legacy = await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'legacy', ['sleep', '1000'], { linux: { securityContext: { seccompProfilePath: 'unconfined' } } }));
  assert.deepEqual(await confinement(await pidOf(legacy)), { seccomp: 0, noNewPrivs: 0 });
  // Privileged with nothing named: neither.
  const privPlain = await createAndStart(n, privPodId, privPod, ctrConfig(reg.busybox, 'priv-plain', ['sleep', '1000'], { linux: { securityContext: { privileged: true } } }));
  assert.deepEqual(await confinement(await pidOf(privPlain)), { seccomp: 0, noNewPrivs: 0 });

  // The infra process (catatonit, pid POD) is berthd's own: always no_new_privs.
  const info = JSON.parse((await n.d.client.call(PodSandboxStatus, { podSandboxId: podId, verbose: true })).info.info ?? '{}') as { infra?: { pid?: number } };
  const infraPid = info.infra?.pid;
  assert.ok(infraPid, 'the pod has an infra process');
  assert.equal((await confinement(infraPid)).noNewPrivs, 1);
});

it('nothing under --root or --state is world-writable but a pod\'s /dev/shm and image/container content', async () => {
  const pod = podConfigFor(n, 'perms');
  const podId = await runPod(n, pod);
  await createAndStart(n, podId, pod, ctrConfig(reg.busybox, 'app', ['sh', '-c', 'echo hi; sleep 1000']));
  const { stdout } = await sh('find', [
    n.d.root,
    n.d.state,
    '(',
    '-path', join(n.d.root, 'image', 'layers', '*', 'diff', '*'),
    '-o', '-path', join(n.d.root, 'containers', '*', 'upper', '*'),
    '-o', '-path', join(n.d.state, 'containers', '*', 'rootfs', '*'),
    '-o', '-path', join(n.d.state, 'pods', '*', 'shm'),
    '-o', '-path', join(n.d.state, 'pods', '*', 'shm', '*'),
    '-o', '-path', join(n.d.root, 'infra', 'rootfs', '*'),
    ')', '-prune', '-o', '-perm', '-o+w', '!', '-type', 'l', '-print',
  ]);
  assert.deepEqual(stdout.split('\n').filter(Boolean), []);
  // The exception really is the pod's shm (1777, like /dev/shm), on its own tmpfs.
  assert.equal((await stat(join(n.d.state, 'pods', podId, 'shm'))).mode & 0o7777, 0o1777);
});
