// Guest only, with Debian's apparmor package installed (scripts/vm/run.sh
// --apparmor; npm run test:v2 runs it in a second boot). Berth loads its
// default profile itself and uses it for RuntimeDefault and unset profiles:
// the container runs confined (the kernel shows the profile in enforce mode)
// and an action the profile denies (mount, with the capability and seccomp
// allowing it) fails inside, where the same container unconfined succeeds.
// Localhost profiles loaded by the operator are honoured; missing ones are
// NotFound naming the profile.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { SecurityProfile_ProfileType } from '../../src/api/gen/api.js';
import { CreateContainer, ExecSync } from '../../src/api/methods.js';
import { Code } from '../../src/util/errors.js';
import { sh } from '../support/pod-net.js';
import { assertGrpcError, createAndStart, ctrConfig, runPod } from '../support/reliability.js';
import { DEFAULT_PROFILE, assertPreconditions, confinementOf, mountProbeConfig, tryMount } from '../support/v2-apparmor.js';
import { DRIVERS, initPid, kubePodConfig, podUid, removeKubeletParent, startV2Stack, stopV2Stack, stopSharedRegistry, type V2Stack } from '../support/v2-guest.js';

const LOCAL_PROFILE = 'berth-test-localhost';
const LOCAL_PROFILE_FILE = `/tmp/${LOCAL_PROFILE}.apparmor`;
// Allows what busybox needs, denies writing one file: the denial proves the profile is the one applied.
const LOCAL_PROFILE_TEXT = `profile ${LOCAL_PROFILE} flags=(attach_disconnected,mediate_deleted) {
  file,
  network,
  capability,
  signal,
  unix,
  deny /tmp/forbidden w,
}
`;


after(stopSharedRegistry);
for (const driver of DRIVERS) {
  describe(`${driver} driver: AppArmor with apparmor_parser`, () => {
    let s: V2Stack;
    const uid = podUid();
    before(async () => {
      await assertPreconditions({ parser: true });
      s = await startV2Stack(driver);
    });
    after(async () => {
      await stopV2Stack(s);
      await removeKubeletParent(driver, uid);
    });

    it(`an unset profile runs the container under ${DEFAULT_PROFILE} in enforce mode, and mount is denied inside`, async () => {
      const pod = kubePodConfig(s, `aa-${driver}`, uid);
      const podId = await runPod(s.n, pod);
      const id = await createAndStart(s.n, podId, pod, mountProbeConfig(s, 'confined', undefined));
      assert.equal(await confinementOf(await initPid(s, id)), `${DEFAULT_PROFILE} (enforce)`);
      const loaded = await readFile('/sys/kernel/security/apparmor/profiles', 'utf8');
      assert.match(loaded, new RegExp(`^${DEFAULT_PROFILE} \\(enforce\\)$`, 'm'), 'berthd loaded its profile');
      const denied = await tryMount(s, id);
      assert.notEqual(denied.code, 0, `mount must be denied: ${denied.out}`);
      assert.match(denied.out, /permission denied/i);

      // The same container, unconfined: the mount works, so AppArmor made the difference.
      const free = await createAndStart(s.n, podId, pod, mountProbeConfig(s, 'free', { profileType: SecurityProfile_ProfileType.Unconfined, localhostRef: '' }));
      assert.equal(await confinementOf(await initPid(s, free)), 'unconfined');
      const allowed = await tryMount(s, free);
      assert.equal(allowed.code, 0, allowed.out);
    });

    it('RuntimeDefault asked explicitly is the same profile', async () => {
      const pod = kubePodConfig(s, `aa-rd-${driver}`, podUid());
      const podId = await runPod(s.n, pod);
      const id = await createAndStart(s.n, podId, pod, mountProbeConfig(s, 'rd', { profileType: SecurityProfile_ProfileType.RuntimeDefault, localhostRef: '' }));
      assert.equal(await confinementOf(await initPid(s, id)), `${DEFAULT_PROFILE} (enforce)`);
    });

    it('localhost/<profile> loaded by the operator is applied; one not loaded is NotFound naming it', async (t) => {
      await writeFile(LOCAL_PROFILE_FILE, LOCAL_PROFILE_TEXT);
      await sh('apparmor_parser', ['-r', LOCAL_PROFILE_FILE]);
      t.after(async () => {
        await sh('apparmor_parser', ['-R', LOCAL_PROFILE_FILE]).catch(() => undefined);
        await rm(LOCAL_PROFILE_FILE, { force: true });
      });
      const pod = kubePodConfig(s, `aa-local-${driver}`, podUid());
      const podId = await runPod(s.n, pod);
      const local = { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: LOCAL_PROFILE };
      const id = await createAndStart(s.n, podId, pod, ctrConfig(s.reg.busybox, 'local', ['sleep', '100000'], { linux: { securityContext: { apparmor: local } } }));
      assert.equal(await confinementOf(await initPid(s, id)), `${LOCAL_PROFILE} (enforce)`);
      const w = await s.n.d.client.call(ExecSync, { containerId: id, cmd: ['sh', '-c', 'echo x > /tmp/forbidden'], timeout: 30n });
      assert.notEqual(w.exitCode, 0, 'the profile denies the write');
      assert.match(Buffer.from(w.stderr).toString(), /permission denied/i);

      const config = ctrConfig(s.reg.busybox, 'absent', ['sleep', '100'], {
        linux: { securityContext: { apparmor: { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: 'berth-test-absent' } } },
      });
      const err = await s.n.d.client.call(CreateContainer, { podSandboxId: podId, config, sandboxConfig: pod }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertGrpcError(err, Code.NotFound, /berth-test-absent/);
    });
  });
}
