// The cgroup driver as berthd chooses and reports it, on this host (cgroup
// v1 hybrid, no systemd as PID 1): "auto" is cgroupfs here; a configured
// systemd driver is reported as such (SYSTEMD = 0) and refuses a pod whose
// cgroup_parent is not a slice before creating anything. The systemd driver
// itself runs in the v2 guest (test/v2/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CgroupDriver } from '../../src/api/gen/api.js';
import { ListPodSandbox, RunPodSandbox, RuntimeConfig, Status } from '../../src/api/methods.js';
import { detectCgroupHost } from '../../src/cgroups/detect.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { BERTHCTL, BERTHD, runCli, startDaemon } from '../support/daemon.js';
import { podConfig } from '../support/pod-net.js';

test('auto picks the driver from the host; RuntimeConfig, berthctl info and berthd config show it', async (t) => {
  const host = await detectCgroupHost();
  const expected = host.version === 2 && host.systemdInit ? 'systemd' : 'cgroupfs';
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const r = await d.client.call(RuntimeConfig, {});
  assert.equal(r.linux?.cgroupDriver, expected === 'systemd' ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS);
  const s = await d.client.call(Status, { verbose: true });
  assert.deepEqual(JSON.parse(s.info.cgroups ?? '{}'), { cgroupDriver: expected, cgroupVersion: host.version, systemdInit: host.systemdInit });
  const info = await runCli(BERTHCTL, ['-r', d.endpoint, 'info']);
  assert.equal(info.code, 0, info.stderr);
  const shown = JSON.parse(info.stdout) as { cgroups?: { cgroupDriver: string; cgroupVersion: number }; apparmor?: { enabled: boolean } };
  assert.equal(shown.cgroups?.cgroupDriver, expected);
  assert.equal(shown.cgroups?.cgroupVersion, host.version);
  assert.equal(typeof shown.apparmor?.enabled, 'boolean');
  const cfg = await runCli(BERTHD, ['--config', d.configFile, 'config']);
  assert.equal(cfg.code, 0, cfg.stderr);
  assert.match(cfg.stdout, new RegExp(`^cgroup_manager = "auto"  # in use: ${expected} \\(cgroup v${host.version}, systemd (is|is not) PID 1\\)$`, 'm'));
});

test('systemd driver: reported as SYSTEMD; a cgroup_parent that is no slice is InvalidArgument naming it, and nothing is left', async (t) => {
  const d = await startDaemon({ toml: '[runtime]\ncgroup_manager = "systemd"\n' });
  t.after(() => d.cleanup());
  const r = await d.client.call(RuntimeConfig, {});
  assert.equal(r.linux?.cgroupDriver, CgroupDriver.SYSTEMD);
  assert.equal(CgroupDriver.SYSTEMD, 0, 'the kubelet reads an empty linux message as systemd');
  const cfg = await runCli(BERTHD, ['--config', d.configFile, 'config']);
  assert.match(cfg.stdout, /^cgroup_manager = "systemd"  # in use: systemd \(cgroup v\d/m);
  await assert.rejects(d.client.call(RunPodSandbox, { config: podConfig('notaslice', { linux: { cgroup_parent: '/kubepods/besteffort/pod1234' } }) }), (e: unknown) => {
    assert.ok(e instanceof GrpcStatusError);
    assert.equal(e.grpcCode, Code.InvalidArgument);
    assert.match(e.details, /linux\.cgroup_parent: "\/kubepods\/besteffort\/pod1234" is not a systemd slice/);
    return true;
  });
  assert.deepEqual((await d.client.call(ListPodSandbox, {})).items, []);
  assert.deepEqual(await readdir(join(d.state, 'pods')).catch(() => []), [], 'no pod directory');
});
