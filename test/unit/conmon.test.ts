import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conmonCreateArgs, parseSyncMessage } from '../../src/oci/conmon.js';

const base = {
  conmonPath: '/usr/bin/conmon', runtimePath: '/usr/sbin/runc', runtimeArgs: ['--root=/run/berth/runc'],
  id: 'abc', name: 'k8s_c', bundle: '/b', logPath: '/var/log/pods/x/c/0.log', exitDir: '/run/e', persistDir: '/run/p', socketDir: '/run/s',
};

test('conmon create arguments', () => {
  const a = conmonCreateArgs(base);
  const pairs = new Map<string, string>();
  for (let i = 0; i < a.length - 1; i++) if (a[i]?.startsWith('-')) pairs.set(a[i] as string, a[i + 1] as string);
  assert.equal(pairs.get('-c'), 'abc');
  assert.equal(pairs.get('-b'), '/b');
  assert.equal(pairs.get('-p'), '/b/pidfile');
  assert.equal(pairs.get('-P'), '/b/conmon-pidfile');
  assert.equal(pairs.get('-l'), 'k8s-file:/var/log/pods/x/c/0.log');
  assert.equal(pairs.get('--runtime-arg'), '--root=/run/berth/runc');
  assert.equal(pairs.get('--api-version'), '1');
  assert.ok(!a.includes('-t') && !a.includes('-i'));
  const tty = conmonCreateArgs({ ...base, terminal: true, stdin: true, stdinOnce: true, logSizeMax: 1024 });
  assert.ok(tty.includes('-t') && tty.includes('-i') && !tty.includes('--leave-stdin-open'));
  assert.equal(tty[tty.indexOf('--log-size-max') + 1], '1024');
  assert.ok(conmonCreateArgs({ ...base, stdin: true }).includes('--leave-stdin-open'));
});

test('sync pipe messages', () => {
  assert.deepEqual(parseSyncMessage('{"data": 4242}'), { pid: 4242 });
  assert.deepEqual(parseSyncMessage('{"pid": 7}'), { pid: 7 });
  assert.deepEqual(parseSyncMessage('{"data": -1, "message": "exec failed"}'), { message: 'exec failed' });
  assert.throws(() => parseSyncMessage('not json'));
});
