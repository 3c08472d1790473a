// Guest only (cgroup v2, systemd as PID 1; scripts/vm/run.sh). The default
// cgroup driver is what users expect: systemd when PID 1 is systemd on a v2
// host (as kubeadm and every distribution configure the kubelet), cgroupfs
// when the config says so. RuntimeConfig reports it (the kubelet's
// KubeletCgroupDriverFromCRI reads it); `berthctl info` and `berthd config`
// show the driver and the detected cgroup version.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeConfig } from '../../src/api/methods.js';
import { CgroupDriver } from '../../src/api/gen/api.js';
import { BERTHCTL, BERTHD, runCli } from '../support/daemon.js';
import { startNode, stopNode, type Node } from '../support/reliability.js';
import { assertV2Guest } from '../support/v2-guest.js';

/** Every [key path, value] of a JSON document whose value is a string or number. */
function leaves(v: unknown, path = ''): [string, string][] {
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k));
  if (typeof v === 'string') {
    try {
      const inner: unknown = JSON.parse(v); // berthctl info decodes most entries; some may still be JSON text
      if (inner !== null && typeof inner === 'object') return leaves(inner, path);
    } catch {
      /* a plain string */
    }
  }
  return typeof v === 'string' || typeof v === 'number' ? [[path, String(v)]] : [];
}

describe('default cgroup driver on a systemd + cgroup v2 host', () => {
  const nodes: Node[] = [];
  after(async () => {
    for (const n of nodes) await stopNode(n);
  });

  it('with no cgroup_manager configured: systemd, in RuntimeConfig, berthctl info and berthd config', async () => {
    await assertV2Guest();
    const n = await startNode();
    nodes.push(n);
    const rc = await n.d.client.call(RuntimeConfig, {});
    assert.equal(rc.linux?.cgroupDriver, CgroupDriver.SYSTEMD);

    const info = await runCli(BERTHCTL, ['--runtime-endpoint', n.d.endpoint, 'info', '-o', 'json'], { NODE_EXTRA_CA_CERTS: '' });
    assert.equal(info.code, 0, info.stderr);
    const kv = leaves(JSON.parse(info.stdout));
    const driver = kv.find(([k]) => /cgroup.?(driver|manager)/i.test(k));
    assert.equal(driver?.[1].toLowerCase(), 'systemd', `berthctl info names the driver: ${JSON.stringify(kv.filter(([k]) => /cgroup/i.test(k)))}`);
    const version = kv.find(([k]) => /cgroup.?version/i.test(k));
    assert.match(version?.[1] ?? '', /^v?2$/, 'berthctl info names the detected cgroup version');

    const config = await runCli(BERTHD, ['config', '--config', n.d.configFile]);
    assert.equal(config.code, 0, config.stderr);
    assert.match(config.stdout, /cgroup_manager[^\n]*systemd/, 'berthd config shows the driver in use');
    assert.match(config.stdout, /cgroup (v|version )2/i, 'berthd config shows the detected cgroup version');
  });

  it('cgroup_manager = "cgroupfs" overrides it, and RuntimeConfig says so', async () => {
    const n = await startNode({ toml: '\n[runtime]\ncgroup_manager = "cgroupfs"\n' });
    nodes.push(n);
    const rc = await n.d.client.call(RuntimeConfig, {});
    assert.equal(rc.linux?.cgroupDriver, CgroupDriver.CGROUPFS);
  });
});
