import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountArgs, pinArgs } from '../../src/oci/berth-sys.js';

test('berth-sys pin arguments: only the namespaces asked, hostname only with UTS, lo only with net', () => {
  assert.deepEqual(pinArgs({ net: '/s/ns/net/p', ipc: '/s/ns/ipc/p', uts: '/s/ns/uts/p', hostname: 'web-0', loUp: true }), [
    'pin',
    '--net=/s/ns/net/p',
    '--ipc=/s/ns/ipc/p',
    '--uts=/s/ns/uts/p',
    '--hostname=web-0',
    '--lo',
  ]);
  assert.deepEqual(pinArgs({ ipc: '/s/ns/ipc/p', hostname: 'ignored', loUp: true }), ['pin', '--ipc=/s/ns/ipc/p']);
});

test('berth-sys mount arguments: data "-" when none, flags joined, --cwd first', () => {
  assert.deepEqual(mountArgs({ type: 'tmpfs', source: 'shm', target: '/t', data: 'mode=1777,size=65536', flags: ['nosuid', 'nodev', 'noexec'] }), [
    'mount',
    'tmpfs',
    'shm',
    '/t',
    'mode=1777,size=65536',
    'nosuid,nodev,noexec',
  ]);
  assert.deepEqual(mountArgs({ type: '-', source: '/d', target: '/d', flags: ['bind', 'private'] }), ['mount', '-', '/d', '/d', '-', 'bind,private']);
  assert.deepEqual(mountArgs({ type: 'overlay', source: 'overlay', target: '/r', data: 'lowerdir=a:b', cwd: '/layers' }), ['mount', '--cwd', '/layers', 'overlay', 'overlay', '/r', 'lowerdir=a:b']);
});

test('pin arguments with a user namespace: its pin and both maps as C:H:L lists', () => {
  const mappings = {
    uids: [{ containerId: 0, hostId: 131072, size: 65536 }],
    gids: [
      { containerId: 0, hostId: 131072, size: 1000 },
      { containerId: 1000, hostId: 200000, size: 10 },
    ],
  };
  assert.deepEqual(pinArgs({ net: '/s/ns/net/p', userns: { pin: '/s/ns/user/p', mappings } }), [
    'pin',
    '--net=/s/ns/net/p',
    '--user=/s/ns/user/p',
    '--uid-map=0:131072:65536',
    '--gid-map=0:131072:1000,1000:200000:10',
  ]);
});
