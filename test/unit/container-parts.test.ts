import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closingLines, logTimestamp } from '../../src/container/log-fix.js';
import { parseExitFile } from '../../src/container/exit-watcher.js';
import { overlayOptions } from '../../src/container/rootfs.js';
import { descendantsOf } from '../../src/container/exec-sync.js';
import { matchesLabels } from '../../src/cri/filters.js';
import { KeyedLock } from '../../src/util/keyed-lock.js';

test('a stream whose last piece is P gets an empty F line', () => {
  const ts = '2026-11-22T00:00:00.000000000Z';
  assert.equal(closingLines('a stdout F hello\nb stdout P partial', ts), `${ts} stdout F \n`);
  assert.equal(closingLines('a stdout F hello\nb stderr P partial\n', ts), `${ts} stderr F \n`);
  assert.equal(closingLines('a stdout P x\nb stderr F oops\n', ts), `${ts} stdout F \n`, 'another stream after the P');
  assert.equal(closingLines('a stdout P x\nb stderr P y\n', ts), `${ts} stdout F \n${ts} stderr F \n`);
  assert.equal(closingLines('a stdout P x\nb stdout F y\n', ts), '');
  assert.equal(closingLines('', ts), '');
  assert.match(logTimestamp(new Date(0)), /^1970-01-01T00:00:00\.000000000Z$/);
});

test('exit files', () => {
  assert.equal(parseExitFile('0'), 0);
  assert.equal(parseExitFile('137\n'), 137);
  assert.equal(parseExitFile(''), undefined);
  assert.equal(parseExitFile('x'), undefined);
});

test('overlay options: absolute when short, relative to the common parent when long', () => {
  const short = overlayOptions(['/l/a/fs', '/l/b/fs'], '/c/upper', '/c/work');
  assert.deepEqual(short, { options: 'lowerdir=/l/a/fs:/l/b/fs,upperdir=/c/upper,workdir=/c/work' });
  const many = Array.from({ length: 80 }, (_, i) => `/var/lib/berth/image/layers/${'x'.repeat(60)}${i}/fs`);
  const long = overlayOptions(many, '/c/upper', '/c/work');
  assert.equal(long.cwd, '/var/lib/berth/image/layers');
  assert.ok(long.options.startsWith(`lowerdir=${'x'.repeat(60)}0/fs:`));
  assert.ok(long.options.length < 3800 + 2000);
});

test('descendants of a process', () => {
  const ppid = new Map([[10, 1], [11, 10], [12, 11], [13, 1], [14, 12]]);
  assert.deepEqual(descendantsOf(10, ppid).sort(), [11, 12, 14]);
  assert.deepEqual(descendantsOf(13, ppid), []);
});

test('label selectors', () => {
  assert.ok(matchesLabels({ a: '1', b: '2' }, { a: '1' }));
  assert.ok(!matchesLabels({ a: '1' }, { a: '2' }));
  assert.ok(matchesLabels({}, undefined));
});

test('keyed lock serialises per key, not across keys', async () => {
  const lock = new KeyedLock();
  const order: string[] = [];
  const slow = (tag: string, ms: number) => lock.run(tag[0] as string, async () => {
    order.push(`start ${tag}`);
    await new Promise((r) => setTimeout(r, ms));
    order.push(`end ${tag}`);
  });
  await Promise.all([slow('a1', 30), slow('a2', 1), slow('b1', 5)]);
  assert.deepEqual(order.filter((x) => x.endsWith('a1') || x.endsWith('a2')), ['start a1', 'end a1', 'start a2', 'end a2']);
  assert.ok(order.indexOf('end b1') < order.indexOf('end a1'));
});

test('shared PID namespaces are told apart from a container\'s own', async () => {
  const { sharesPidNamespace } = await import('../../src/container/manager.js');
  assert.equal(sharesPidNamespace({ linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] } }), false);
  assert.equal(sharesPidNamespace({ linux: { namespaces: [{ type: 'pid', path: '/proc/1/ns/pid' }] } }), true);
  assert.equal(sharesPidNamespace({ linux: { namespaces: [{ type: 'mount' }] } }), true, 'the node\'s');
});

test('the PID namespace a container joins is named by path; its own and the node\'s have none', async () => {
  const { pidNamespacePath } = await import('../../src/container/manager.js');
  assert.equal(pidNamespacePath({ linux: { namespaces: [{ type: 'pid', path: '/proc/42/ns/pid' }] } }), '/proc/42/ns/pid');
  assert.equal(pidNamespacePath({ linux: { namespaces: [{ type: 'pid' }] } }), undefined);
  assert.equal(pidNamespacePath({ linux: { namespaces: [{ type: 'mount' }] } }), undefined);
});

test('waitForPidExit: false while the process runs, true once it is gone', async () => {
  const { spawn } = await import('node:child_process');
  const { waitForPidExit } = await import('../../src/util/pid-wait.js');
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  assert.equal(await waitForPidExit(child.pid, 30), false);
  child.kill('SIGKILL');
  await exited;
  assert.equal(await waitForPidExit(child.pid, 1000), true);
  assert.equal(await waitForPidExit(undefined, 10), true);
});
