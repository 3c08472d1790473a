// Guest only, plain image (AppArmor enabled in the kernel, Debian's apparmor
// package NOT installed; scripts/vm/run.sh without --apparmor). As containerd
// does: with no apparmor_parser and Berth's profile not loaded, containers
// run without a profile, and berthd says so in its log and in `berthctl
// info` — it never fails every container. A Localhost profile that is not
// loaded is NotFound naming it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerState, SecurityProfile_ProfileType } from '../../src/api/gen/api.js';
import { ContainerStatus, CreateContainer } from '../../src/api/methods.js';
import { Code } from '../../src/util/errors.js';
import { BERTHCTL, runCli } from '../support/daemon.js';
import { assertGrpcError, createAndStart, ctrConfig, runPod } from '../support/reliability.js';
import { assertPreconditions, confinementOf, tryMount, mountProbeConfig } from '../support/v2-apparmor.js';
import { initPid, kubePodConfig, podUid, removeKubeletParent, startV2Stack, stopV2Stack, stopSharedRegistry, type V2Stack } from '../support/v2-guest.js';


after(stopSharedRegistry);
describe('AppArmor in the kernel, no apparmor_parser', () => {
  let s: V2Stack;
  const uid = podUid();
  before(async () => {
    await assertPreconditions({ parser: false });
    s = await startV2Stack('cgroupfs');
  });
  after(async () => {
    await stopV2Stack(s);
    await removeKubeletParent('cgroupfs', uid);
  });

  it('a container with no profile asked (RuntimeDefault) runs, unconfined; berthd says it runs without a profile', async () => {
    const pod = kubePodConfig(s, 'aa-noparser', uid);
    const podId = await runPod(s.n, pod);
    const id = await createAndStart(s.n, podId, pod, ctrConfig(s.reg.busybox, 'plain', ['sleep', '100000']));
    const st = (await s.n.d.client.call(ContainerStatus, { containerId: id, verbose: false })).status;
    assert.equal(st?.state, ContainerState.CONTAINER_RUNNING);
    assert.equal(await confinementOf(await initPid(s, id)), 'unconfined');
    assert.match(s.n.d.logs(), /apparmor_parser/i, 'the log names the missing apparmor_parser');

    const info = await runCli(BERTHCTL, ['--runtime-endpoint', s.n.d.endpoint, 'info', '-o', 'json'], { NODE_EXTRA_CA_CERTS: '' });
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /apparmor[^\n]*(without|no|not loaded|unavailable|disabled|missing)/i, `berthctl info says AppArmor runs without a profile: ${info.stdout.slice(0, 2000)}`);

    // Nothing confines it: with the capability and seccomp allowing it, a mount succeeds.
    const probe = await createAndStart(s.n, podId, pod, mountProbeConfig(s, 'probe', undefined));
    const m = await tryMount(s, probe);
    assert.equal(m.code, 0, m.out);
  });

  it('localhost/<profile> that is not loaded is NotFound naming the profile; no container is made', async () => {
    const pod = kubePodConfig(s, 'aa-noparser-local', podUid());
    const podId = await runPod(s.n, pod);
    const config = ctrConfig(s.reg.busybox, 'local', ['sleep', '100'], {
      linux: { securityContext: { apparmor: { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: 'berth-test-absent' } } },
    });
    const err = await s.n.d.client.call(CreateContainer, { podSandboxId: podId, config, sandboxConfig: pod }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assertGrpcError(err, Code.NotFound, /berth-test-absent/);
  });
});
