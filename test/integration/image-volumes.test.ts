// Image volumes (KEP-4639) through a real berthd, runc and conmon: a pulled
// image's root filesystem mounted read-only in a container, whole or by sub
// path (hostile symlinks in the image stay inside it); RemoveImage refuses an
// image a container mounts, naming the container; a missing image or a bad
// sub path fails CreateContainer naming the field and leaves no container
// and no mount behind.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ContainerConfig, type PodSandboxConfig } from '../../src/api/gen/api.js';
import {
  ContainerStatus,
  CreateContainer,
  ExecSync,
  ImageStatus,
  ListContainers,
  ListImages,
  PullImage,
  RemoveContainer,
  RemoveImage,
  RemovePodSandbox,
  RunPodSandbox,
  StartContainer,
} from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';
import { buildImage, DEFAULT_IMAGE_DIR } from '../support/images/build.js';
import { podConfig } from '../support/pod-net.js';
import { imageRef, pushImage, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

let reg: RunningRegistry;
let busybox: string;
let volRef: string;
let d: TestDaemon;
let pod: string;
let config: PodSandboxConfig;

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
  // Two layers of data, with links that try to lead out of the image.
  const vol = await buildImage({
    repo: 'berth-imagevol',
    layers: [
      {
        source: {
          entries: [
            { type: 'dir', path: 'data' },
            { type: 'file', path: 'data/hello', content: 'hello from the image\n' },
            { type: 'symlink', path: 'escape', target: '/' },
            { type: 'symlink', path: 'up', target: '../../../../../../data' },
            { type: 'symlink', path: 'hostetc', target: '/etc/shadow' },
          ],
        },
      },
      { source: { entries: [{ type: 'file', path: 'data/second', content: 'layer two\n' }] } },
    ],
  });
  await pushImage(reg.url, vol.repo, vol.tag, vol);
  volRef = imageRef(reg.host, vol);
  d = await startDaemon();
  await d.client.call(PullImage, { image: { image: busybox } });
  await d.client.call(PullImage, { image: { image: volRef } });
  config = podConfig(`imagevol-${process.pid}`, { linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER' } } } });
  pod = (await d.client.call(RunPodSandbox, { config })).podSandboxId;
});

after(async () => {
  await d?.client.call(RemovePodSandbox, { podSandboxId: pod }).catch(() => undefined);
  await d?.cleanup();
  await reg?.stop();
});

type MountReq = { containerPath: string; image?: { image: string }; imageSubPath?: string; hostPath?: string; readonly?: boolean };
const ctr = (name: string, mounts: MountReq[]) =>
  ContainerConfig.fromPartial({ metadata: { name, attempt: 0 }, image: { image: busybox }, command: ['sleep', '3600'], mounts });

const exec = async (id: string, cmd: string[]) => {
  const r = await d.client.call(ExecSync, { containerId: id, cmd, timeout: 10n });
  return { code: r.exitCode, out: Buffer.from(r.stdout).toString(), err: Buffer.from(r.stderr).toString() };
};

/** berthd's mounts of image volumes (its mount table: the helper mounts in its namespace). */
async function imageVolumeMounts(): Promise<string[]> {
  const info = await readFile(`/proc/${d.proc.pid}/mountinfo`, 'utf8');
  return info.split('\n').filter((l) => l.includes('/image-volumes/'));
}

const rejectsWith = (code: Code, re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof GrpcStatusError, String(e));
  assert.equal(e.grpcCode, code, e.details);
  assert.match(e.details, re);
  return true;
};

it('mounts an image read-only, whole or by sub path; the image cannot be removed while mounted', async () => {
  const { containerId: id } = await d.client.call(CreateContainer, {
    podSandboxId: pod,
    sandboxConfig: config,
    config: ctr('reader', [
      { containerPath: '/vol', image: { image: volRef } },
      // A link to "/" inside the image is the image's root, not the host's.
      { containerPath: '/sub', image: { image: volRef }, imageSubPath: 'escape/data' },
      { containerPath: '/up', image: { image: volRef }, imageSubPath: 'up' },
      // A one-layer image (busybox), by sub path.
      { containerPath: '/bb', image: { image: busybox }, imageSubPath: 'bin' },
    ]),
  });
  await d.client.call(StartContainer, { containerId: id });
  assert.equal((await exec(id, ['cat', '/vol/data/hello', '/vol/data/second'])).out, 'hello from the image\nlayer two\n');
  assert.equal((await exec(id, ['cat', '/sub/hello'])).out, 'hello from the image\n');
  assert.equal((await exec(id, ['cat', '/up/second'])).out, 'layer two\n');
  assert.equal((await exec(id, ['/bb/busybox', 'true'])).code, 0);
  const write = await exec(id, ['touch', '/vol/data/new']);
  assert.notEqual(write.code, 0);
  assert.match(write.err, /Read-only file system/);
  const mountinfo = (await exec(id, ['cat', '/proc/self/mountinfo'])).out.split('\n');
  for (const p of ['/vol', '/sub', '/up', '/bb']) assert.match(mountinfo.find((l) => l.split(' ')[4] === p) ?? '', / ro[, ]/, p);
  assert.equal((await imageVolumeMounts()).length, 4, 'one read-only overlay per image mount');

  // The image stays listed and inspectable; removing it names the container.
  assert.ok((await d.client.call(ImageStatus, { image: { image: volRef } })).image);
  assert.ok((await d.client.call(ListImages, {})).images.some((i) => i.repoTags.includes(volRef)));
  await assert.rejects(d.client.call(RemoveImage, { image: { image: volRef } }), rejectsWith(Code.FailedPrecondition, new RegExp(`image volume by container ${id}`)));
  assert.ok((await d.client.call(ImageStatus, { image: { image: volRef } })).image, 'still there');
  assert.equal((await d.client.call(ContainerStatus, { containerId: id })).status?.mounts.find((m) => m.containerPath === '/sub')?.imageSubPath, 'escape/data');

  await d.client.call(RemoveContainer, { containerId: id });
  assert.deepEqual(await imageVolumeMounts(), [], 'unmounted with the container');
  await d.client.call(RemoveImage, { image: { image: volRef } });
  assert.equal((await d.client.call(ImageStatus, { image: { image: volRef } })).image, undefined);
  await d.client.call(PullImage, { image: { image: volRef } });
});

it('a missing image is NotFound naming it, a sub path leading out or nowhere is InvalidArgument naming the field; nothing is left behind', async () => {
  const create = (mounts: MountReq[]) => d.client.call(CreateContainer, { podSandboxId: pod, sandboxConfig: config, config: ctr('bad', mounts) });
  const before = (await d.client.call(ListContainers, {})).containers.length;
  await assert.rejects(
    create([{ containerPath: '/ok', image: { image: volRef } }, { containerPath: '/vol', image: { image: `${reg.host}/no-such-image:1` } }]),
    rejectsWith(Code.NotFound, /mounts\[1\]\.image: image ".*no-such-image:1" is not present/),
  );
  // /etc/shadow re-rooted in the image: absent there, so refused (the host's file is never reached).
  await assert.rejects(create([{ containerPath: '/vol', image: { image: volRef }, imageSubPath: 'hostetc' }]), rejectsWith(Code.InvalidArgument, /mounts\[0\]\.image_sub_path: "etc" does not exist in the image/));
  await assert.rejects(create([{ containerPath: '/vol', image: { image: volRef }, imageSubPath: '../../etc' }]), rejectsWith(Code.InvalidArgument, /mounts\[0\]\.image_sub_path: .* must not contain "\.\."/));
  await assert.rejects(create([{ containerPath: '/vol', image: { image: volRef }, imageSubPath: '/data' }]), rejectsWith(Code.InvalidArgument, /mounts\[0\]\.image_sub_path: "\/data" must be relative/));
  await assert.rejects(create([{ containerPath: '/vol', hostPath: '/tmp', imageSubPath: 'data' }]), rejectsWith(Code.InvalidArgument, /mounts\[0\]\.image_sub_path: set without image/));
  assert.equal((await d.client.call(ListContainers, {})).containers.length, before, 'no container left');
  assert.deepEqual(await imageVolumeMounts(), [], 'no mount left');
  // The name is free again: the same request with a good mount works.
  const { containerId } = await create([{ containerPath: '/vol', image: { image: volRef }, imageSubPath: 'data' }]);
  await d.client.call(RemoveContainer, { containerId });
  assert.deepEqual(await imageVolumeMounts(), []);
});
