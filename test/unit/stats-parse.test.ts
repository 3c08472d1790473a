// Pure parts of src/stats: interface-file parsers, v1/v2 samples, /proc/net/dev,
// du output, cgroup path expansion, CPU rate, pod aggregation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { sumSamples } from '../../src/stats/aggregate.js';
import { limitOf, normaliseCgroupPath, parseFlatKeyed, parseUint } from '../../src/cgroups/stats-parse.js';
import { sampleV1 } from '../../src/cgroups/stats-v1.js';
import { sampleV2 } from '../../src/cgroups/stats-v2.js';
import { cgroupFsPath } from '../../src/cgroups/paths.js';
import { CpuRateTracker } from '../../src/stats/cpu-rate.js';
import { parseDuTotal } from '../../src/stats/du.js';
import { parseNetDev, splitInterfaces } from '../../src/stats/net-stats.js';
import { nsenterArgs } from '../../src/util/nsenter.js';
import { mapLimit, Semaphore } from '../../src/stats/limit.js';

const fixture = (name: string): Promise<string> => readFile(new URL(`../fixtures/stats/${name}`, import.meta.url), 'utf8');
const clock = { timestampNs: 1_700_000_000_000_000_000n, monotonicNs: 5_000_000_000n };

test('flat keyed files and single values', () => {
  const m = parseFlatKeyed('usage_usec 15\nuser_usec 10\nbogus line here\n\nsome_key x\n');
  assert.deepEqual([...m], [['usage_usec', 15n], ['user_usec', 10n]]);
  assert.equal(parseUint('42\n'), 42n);
  assert.equal(parseUint('max\n'), 'max');
  assert.equal(parseUint(''), undefined);
  assert.equal(parseUint(undefined), undefined);
  assert.equal(limitOf(parseUint('9223372036854771712')), undefined, 'v1 "unlimited"');
  assert.equal(limitOf('max'), undefined);
  assert.equal(limitOf(67108864n), 67108864n);
});

test('cgroup paths stay inside the hierarchy', () => {
  assert.equal(normaliseCgroupPath('kubepods//pod1/./c'), '/kubepods/pod1/c');
  assert.equal(normaliseCgroupPath('/'), '/');
  assert.throws(() => normaliseCgroupPath('/kubepods/../../etc'), /must not contain/);
});

test('systemd cgroup forms expand as runc does', () => {
  assert.equal(cgroupFsPath('/kubepods/besteffort/pod1/abc'), '/kubepods/besteffort/pod1/abc');
  assert.equal(cgroupFsPath('kubepods-besteffort-pod1.slice'), '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice');
  assert.equal(
    cgroupFsPath('kubepods-besteffort-pod1.slice:berth:abc'),
    '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/berth-abc.scope',
  );
  assert.equal(cgroupFsPath(':berth:abc'), '/system.slice/berth-abc.scope');
  assert.equal(cgroupFsPath('-.slice:berth:abc'), '/berth-abc.scope');
});

test('v1 sample: hierarchical counters, working set = usage − total_inactive_file', async () => {
  const s = sampleV1(
    {
      cpuacctUsage: '123456789\n',
      memoryUsage: '20971520\n',
      memoryLimit: '67108864\n',
      memoryStat: await fixture('v1-memory.stat'),
      memoryOomControl: 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
      memswUsage: '22020096\n',
      memswLimit: '9223372036854771712\n',
      pidsCurrent: '3\n',
    },
    clock,
  );
  assert.deepEqual(s, {
    ...clock,
    cpu: { usageNs: 123456789n },
    memory: {
      usageBytes: 20971520n,
      workingSetBytes: 20971520n - 10485760n,
      rssBytes: 4194304n,
      pageFaults: 9100n,
      majorPageFaults: 6n,
      limitBytes: 67108864n,
      availableBytes: 67108864n - 10485760n,
      oomKills: 2n,
    },
    swap: { usageBytes: 1048576n },
    pids: { current: 3n },
  });
});

test('v1 sample: unlimited memory has no available bytes; missing controllers are left out', () => {
  const s = sampleV1({ memoryUsage: '100', memoryLimit: '9223372036854771712', memoryStat: 'total_inactive_file 400\n' }, clock);
  assert.equal(s.cpu, undefined);
  assert.equal(s.pids, undefined);
  assert.equal(s.memory?.workingSetBytes, 0n, 'floored at 0 when inactive_file exceeds usage');
  assert.equal(s.memory?.limitBytes, undefined);
  assert.equal(s.memory?.availableBytes, undefined);
  assert.equal(s.memory?.oomKills, undefined);
});

test('v2 sample: usage_usec × 1000, working set = memory.current − inactive_file, rss = anon', async () => {
  const s = sampleV2(
    {
      cpuStat: await fixture('v2-cpu.stat'),
      memoryCurrent: '31457280\n',
      memoryMax: '134217728\n',
      memoryStat: await fixture('v2-memory.stat'),
      memoryEvents: await fixture('v2-memory.events'),
      swapCurrent: '0\n',
      swapMax: 'max\n',
      pidsCurrent: '7\n',
    },
    clock,
  );
  assert.deepEqual(s, {
    ...clock,
    cpu: { usageNs: 1_500_000_000n },
    memory: {
      usageBytes: 31457280n,
      workingSetBytes: 31457280n - 12582912n,
      rssBytes: 8388608n,
      pageFaults: 123456n,
      majorPageFaults: 78n,
      limitBytes: 134217728n,
      availableBytes: 134217728n - (31457280n - 12582912n),
      oomKills: 1n,
    },
    swap: { usageBytes: 0n },
    pids: { current: 7n },
  });
  assert.equal(sampleV2({ memoryCurrent: '5', memoryMax: 'max' }, clock).memory?.availableBytes, undefined);
});

test('/proc/net/dev: padded and run-together names, header skipped; eth0 is the default, lo dropped', async () => {
  const all = parseNetDev(await fixture('proc-net-dev'));
  assert.deepEqual(all.map((c) => c.name), ['lo', 'eth0', 'vethabcdef1234']);
  const eth0 = all[1];
  assert.deepEqual(eth0, {
    name: 'eth0',
    rxBytes: 236971541n,
    rxPackets: 6403n,
    rxErrors: 3n,
    rxDropped: 1n,
    txBytes: 466447n,
    txPackets: 4249n,
    txErrors: 2n,
    txDropped: 4n,
  });
  assert.equal(all[2]?.rxBytes, 320n);
  const split = splitInterfaces(all);
  assert.equal(split.defaultInterface?.name, 'eth0');
  assert.deepEqual(split.interfaces.map((c) => c.name), ['vethabcdef1234']);
  assert.equal(splitInterfaces([]).defaultInterface, undefined);
  assert.deepEqual(parseNetDev('garbage\nx: 1 2 3\n'), []);
});

test('du totals', () => {
  assert.equal(parseDuTotal('41005056\t/var/lib/berth/containers/x/upper\n'), 41005056n);
  assert.equal(parseDuTotal(''), undefined);
});

test('cpu rate: first sample 0, then Δusage/Δt in nano-cores; resets when the counter goes back', () => {
  const r = new CpuRateTracker({ minIntervalNs: 1_000_000_000n });
  assert.equal(r.rate('c', 1_000_000_000n, 10_000_000_000n), 0n);
  // 0.5 s of CPU over 2 s = 250 millicores.
  assert.equal(r.rate('c', 1_500_000_000n, 12_000_000_000n), 250_000_000n);
  // 100 ms later: too close, the last rate stands and the baseline stays.
  assert.equal(r.rate('c', 1_600_000_000n, 12_100_000_000n), 250_000_000n);
  // From the baseline at 12 s: 1 s of CPU over 1 s = 1 core.
  assert.equal(r.rate('c', 2_500_000_000n, 13_000_000_000n), 1_000_000_000n);
  assert.equal(r.rate('c', 10n, 20_000_000_000n), 0n, 'counter went back');
  assert.equal(r.rate('c', 1_000_000_010n, 22_000_000_000n), 500_000_000n);
});

test('cpu rate: bounded, forgotten and pruned', () => {
  const r = new CpuRateTracker({ maxEntries: 2 });
  r.rate('a', 1n, 1n);
  r.rate('b', 1n, 1n);
  r.rate('c', 1n, 1n);
  assert.equal(r.size, 2);
  // 'a' was evicted: its next sample is a first sample again.
  assert.equal(r.rate('a', 2_000_000_000n, 2_000_000_001n), 0n);
  r.forget('a');
  r.retain(new Set(['b']));
  assert.equal(r.size, 0);
});

test('pod aggregate: sums usage, drops limits', () => {
  const a = sampleV1({ cpuacctUsage: '100', memoryUsage: '1000', memoryLimit: '5000', memoryStat: 'total_inactive_file 100\ntotal_rss 50\n', pidsCurrent: '1' }, clock);
  const b = sampleV1({ cpuacctUsage: '50', memoryUsage: '500', pidsCurrent: '2' }, { timestampNs: clock.timestampNs + 1n, monotonicNs: clock.monotonicNs + 1n });
  const s = sumSamples([a, b]);
  assert.deepEqual(s, {
    timestampNs: clock.timestampNs + 1n,
    monotonicNs: clock.monotonicNs + 1n,
    cpu: { usageNs: 150n },
    memory: { usageBytes: 1500n, workingSetBytes: 1400n, rssBytes: 50n, pageFaults: 0n, majorPageFaults: 0n },
    pids: { current: 3n },
  });
  assert.equal(sumSamples([]), undefined);
});

test('nsenter arguments: namespaces in a fixed order, then the command', () => {
  assert.deepEqual(nsenterArgs({ net: '/run/berth/ns/net/p' }, ['cat', '/proc/net/dev']), ['--net=/run/berth/ns/net/p', '--', 'cat', '/proc/net/dev']);
  assert.deepEqual(nsenterArgs({ uts: '/u', net: '/n' }, ['true']), ['--net=/n', '--uts=/u', '--', 'true']);
});

test('semaphore bounds concurrency and passes slots in order', async () => {
  const sem = new Semaphore(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      sem.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        order.push(i);
        running--;
      }),
    ),
  );
  assert.equal(peak, 2);
  assert.equal(order.length, 6);
  assert.deepEqual(await mapLimit([3, 1, 2], 2, async (x) => x * 2), [6, 2, 4], 'mapLimit keeps input order');
});
