import { test } from 'node:test';
import assert from 'node:assert/strict';
import { berthMonCreateArgs } from '../../src/oci/berth-mon.js';
import { monitorCreateArgs } from '../../src/oci/monitor.js';

const base = {
  runtimePath: '/usr/sbin/runc', runtimeArgs: ['--root=/run/berth/runc', '--systemd-cgroup'],
  id: 'abc', name: 'k8s_c', bundle: '/b', logPath: '/var/log/pods/x/c/0.log', exitDir: '/run/e', persistDir: '/run/p', socketDir: '/run/s',
  conmonArgs: ['-s'],
};

/** berth-mon's flags that take a value → their values, in order. */
function values(a: string[]): Map<string, string[]> {
  const valued = new Set(['-c', '-b', '-r', '-a', '-l', '-x', '-p', '-P', '-R']);
  const m = new Map<string, string[]>();
  for (let i = 0; i < a.length; i++) {
    const flag = a[i] as string;
    if (!valued.has(flag)) continue;
    m.set(flag, [...(m.get(flag) ?? []), a[i + 1] as string]);
    i++;
  }
  return m;
}

test('berth-mon create arguments: the same files as conmon, runtime args one -a each, no conmon-only flags', () => {
  const a = berthMonCreateArgs(base);
  const p = values(a);
  assert.deepEqual(p.get('-c'), ['abc']);
  assert.deepEqual(p.get('-b'), ['/b']);
  assert.deepEqual(p.get('-r'), ['/usr/sbin/runc']);
  assert.deepEqual(p.get('-l'), ['/var/log/pods/x/c/0.log']); // a plain path: berth-mon writes only the CRI format
  assert.deepEqual(p.get('-x'), ['/run/e']);
  assert.deepEqual(p.get('-p'), ['/run/p']);
  assert.deepEqual(p.get('-P'), ['/b/conmon-pidfile']); // where the container manager looks for the monitor's pid
  assert.deepEqual(p.get('-a'), ['--root=/run/berth/runc', '--systemd-cgroup']);
  for (const flag of ['-s', '-t', '-i', '-I', '-R']) assert.ok(!a.includes(flag), flag);
});

test('berth-mon terminal, stdin and stdin_once; restore', () => {
  const once = berthMonCreateArgs({ ...base, terminal: true, stdin: true, stdinOnce: true });
  assert.ok(once.includes('-t') && once.includes('-i') && !once.includes('-I'));
  assert.ok(berthMonCreateArgs({ ...base, stdin: true }).includes('-I'));
  assert.ok(!berthMonCreateArgs({ ...base, stdinOnce: true }).includes('-I'), 'no stdin: nothing to keep open');
  const r = berthMonCreateArgs({ ...base, restorePath: '/ck/checkpoint' });
  assert.equal(r[r.indexOf('-R') + 1], '/ck/checkpoint');
});

test('monitorCreateArgs dispatches on the configured monitor', () => {
  assert.ok(monitorCreateArgs({ kind: 'conmon', path: '/usr/bin/conmon' }, base).includes('--api-version'));
  assert.deepEqual(monitorCreateArgs({ kind: 'berth-mon', path: '/x/berth-mon' }, base), berthMonCreateArgs(base));
});
