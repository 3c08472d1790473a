// The AppArmor unit's pure parts: the default profile's text and the list of
// loaded profiles. (Loading needs a kernel with AppArmor: the v2 guest.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPARMOR_DEFAULT_PROFILE, parseLoadedProfiles, renderProfile } from '../../src/oci/apparmor-profile.js';

test('profile: named, attachable to disconnected paths, includes only what exists', () => {
  const bare = renderProfile({ name: APPARMOR_DEFAULT_PROFILE, tunables: false, baseAbstraction: false });
  assert.match(bare, /^profile berth-default flags=\(attach_disconnected,mediate_deleted\) \{$/m);
  assert.doesNotMatch(bare, /#include/);
  const full = renderProfile({ name: APPARMOR_DEFAULT_PROFILE, tunables: true, baseAbstraction: true });
  assert.match(full, /^#include <tunables\/global>$/m);
  assert.match(full, /^ {2}#include <abstractions\/base>$/m);
  assert.ok(full.indexOf('#include <tunables/global>') < full.indexOf('\nprofile '), 'tunables before the profile');
  assert.equal(full.trimEnd().split('\n').at(-1), '}');
});

test('profile: denies what a container default denies, allows the rest', () => {
  const p = renderProfile({ name: 'x', tunables: false, baseAbstraction: false });
  const rules = p.split('\n').map((l) => l.trim()).filter((l) => l.endsWith(','));
  for (const allow of ['network,', 'capability,', 'file,', 'umount,']) assert.ok(rules.includes(allow), allow);
  for (const deny of ['deny mount,', 'deny /proc/sysrq-trigger rwklx,', 'deny /proc/kcore rwklx,', 'deny /sys/firmware/** rwklx,', 'deny /sys/kernel/security/** rwklx,', 'deny /proc/* w,']) {
    assert.ok(rules.includes(deny), deny);
  }
  // signals and ptrace stay within the profile (plus signals from the unconfined runtime).
  assert.ok(rules.includes('signal (send,receive) peer=x,'));
  assert.ok(rules.includes('signal (receive) peer=unconfined,'));
  assert.ok(rules.includes('ptrace (trace,read,tracedby,readby) peer=x,'));
  // /proc/sys/kernel/shm* stays writable: no kernel rule matches "shm".
  const kernelRules = rules.filter((r) => r.startsWith('deny /proc/sys/kernel/'));
  assert.equal(kernelRules.length, 3);
  for (const r of kernelRules) {
    const pattern = (r.split(' ')[1] as string).replace('/proc/sys/kernel/', '');
    const re = new RegExp(`^${pattern.replace(/\*\*/g, '.*')}$`);
    assert.ok(!re.test('shmmax') && !re.test('shmall'), `${r} must not cover shm*`);
  }
  assert.ok(kernelRules.some((r) => new RegExp(`^${(r.split(' ')[1] as string).replace('/proc/sys/kernel/', '').replace(/\*\*/g, '.*')}$`).test('hostname')));
  // /sys/fs/cgroup is not in any /sys write denial.
  for (const r of rules.filter((r) => r.startsWith('deny /sys/fs/'))) assert.doesNotMatch('/sys/fs/cgroup/x', new RegExp(`^${(r.split(' ')[1] as string).replace(/\*\*/g, '.*').replace(/\*/g, '[^/]*')}$`), r);
});

test('loaded profiles: "name (mode)" lines from securityfs', () => {
  const m = parseLoadedProfiles('berth-default (enforce)\n/usr/sbin/cupsd (complain)\nlsb_release (enforce)\n\n');
  assert.equal(m.get('berth-default'), 'enforce');
  assert.equal(m.get('/usr/sbin/cupsd'), 'complain');
  assert.equal(m.size, 3);
  assert.equal(parseLoadedProfiles('').size, 0);
});
