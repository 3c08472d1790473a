// Guest only (cgroup v2; scripts/vm/run.sh). The berth CLI's limit verbs and
// monitor on v2, for each driver: `run --cpus/--memory/--cpuset-cpus`, then
// `container set/remove/pin/unpin/limits` and `update`, each read back from
// the container's v2 files (found through /proc/PID/cgroup), and `monitor
// cpu|memory` reporting the container against its limit. berth makes its own
// pods (no cgroup_parent: the driver's default parent) with the default
// AppArmor profile, as a user would.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BERTH, runCli } from '../support/daemon.js';
import { DRIVERS, cgroupFile, cgroupOf, startV2Stack, stopV2Stack, stopSharedRegistry, type V2Stack } from '../support/v2-guest.js';

const MiB = 1024 * 1024;


after(stopSharedRegistry);
for (const driver of DRIVERS) {
  describe(`${driver} driver on cgroup v2: berth limits and monitor`, () => {
    let s: V2Stack;
    const berth = (...args: string[]) => runCli(BERTH, ['-H', s.n.d.endpoint, '--timeout', '120s', ...args], { NODE_EXTRA_CA_CERTS: '', BERTH_LOG_DIR: join(s.n.logDir, 'berth') });
    async function ok(...args: string[]): Promise<string> {
      const r = await berth(...args);
      assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    }
    async function file(name: string, f: string): Promise<string> {
      const pid = Number((await ok('inspect', '-f', '{{.State.Pid}}', name)).trim());
      return cgroupFile(await cgroupOf(pid), f);
    }

    before(async () => {
      s = await startV2Stack(driver);
    });
    after(async () => stopV2Stack(s));

    it('run limits, container set/remove/pin/unpin/limits and update change the v2 files live', async () => {
      await ok('run', '-d', '--name', 'lim', '--cpus', '0.5', '--memory', '64m', '--cpuset-cpus', '0', s.reg.busybox, 'sleep', '100000');
      assert.equal(await file('lim', 'cpu.max'), '50000 100000');
      assert.equal(await file('lim', 'memory.max'), String(64 * MiB));
      assert.equal(await file('lim', 'cpuset.cpus'), '0');
      const limits = JSON.parse(await ok('container', 'limits', '--json', 'lim')) as { cpu: { limit: string }; memory: { limit: number } };
      assert.deepEqual([limits.cpu.limit, limits.memory.limit], ['500m', 64 * MiB]);

      await ok('container', 'set', 'lim', 'cpu=200m', 'memory=128Mi');
      assert.equal(await file('lim', 'cpu.max'), '20000 100000');
      assert.equal(await file('lim', 'memory.max'), String(128 * MiB));
      await ok('container', 'remove', 'lim', 'cpu');
      assert.equal(await file('lim', 'cpu.max'), 'max 100000');
      await ok('container', 'remove', 'lim', 'memory');
      assert.equal(await file('lim', 'memory.max'), 'max');
      assert.match(await ok('container', 'limits', 'lim'), /Memory:\n {2}limit: {3}unlimited/);

      const online = (await readFile('/sys/devices/system/cpu/online', 'utf8')).trim();
      if (online !== '0') {
        await ok('container', 'pin', 'lim', 'cpu', '1');
        assert.equal(await file('lim', 'cpuset.cpus'), '0-1');
        await ok('container', 'unpin', 'lim', 'cpu', '0');
        assert.equal(await file('lim', 'cpuset.cpus'), '1');
      }
      await ok('update', '--cpus', '1', '--memory', '96m', 'lim');
      assert.equal(await file('lim', 'cpu.max'), '100000 100000');
      assert.equal(await file('lim', 'memory.max'), String(96 * MiB));
    });

    it('monitor cpu and memory show the containers against their limits', async () => {
      await ok('run', '-d', '--name', 'spin', '--cpus', '0.3', s.reg.busybox, 'sh', '-c', 'while :; do :; done');
      const cpu = JSON.parse(await ok('monitor', 'cpu', '--once', '--json', '--interval', '1s')) as { containers: { name: string; cpu: { millicores: number; limitMillicores: number } }[] };
      const spin = cpu.containers.find((c) => c.name === 'spin');
      assert.equal(spin?.cpu.limitMillicores, 300);
      assert.ok((spin?.cpu.millicores ?? 0) > 0, `spin uses CPU: ${JSON.stringify(spin)}`);
      const mem = JSON.parse(await ok('monitor', 'memory', '--once', '--json', '--interval', '500ms')) as { containers: { name: string; memory: { workingSetBytes: number; limitBytes: number | null } }[] };
      const lim = mem.containers.find((c) => c.name === 'lim');
      assert.equal(lim?.memory.limitBytes, 96 * MiB);
      assert.ok((lim?.memory.workingSetBytes ?? 0) > 0, 'working set from memory.current');
      const text = await ok('monitor', 'memory', '--once', '--interval', '500ms');
      assert.match(text, /^berth monitor memory — \d+ containers/);
      await ok('rm', '-f', 'spin', 'lim');
    });
  });
}
