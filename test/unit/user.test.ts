// User resolution against the image's /etc/passwd and /etc/group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SupplementalGroupsPolicy } from '../../src/api/gen/api.js';
import { parseGroup, parsePasswd, resolveUser, type UserRequest } from '../../src/container/user.js';
import { BerthError, Code } from '../../src/util/errors.js';

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment
nginx:x:101:101:nginx:/var/cache/nginx:/sbin/nologin
default-user:x:1000:1000::/home/default-user:/bin/sh
broken line
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
dup:x:2000:2000::/:/bin/sh
dup:x:2001:2001::/:/bin/sh
`;

const GROUP = `root:x:0:
daemon:x:1:
nginx:x:101:
default-user:x:1000:default-user
group-defined-in-image:x:50000:default-user
wheel:x:10:root,default-user
audio:x:29:nginx
users:x:100:
nogroup:x:65534:
`;

const req = (r: Partial<UserRequest>): UserRequest => ({
  imageUser: '',
  supplementalGroups: [],
  supplementalGroupsPolicy: SupplementalGroupsPolicy.Merge,
  passwd: PASSWD,
  group: GROUP,
  ...r,
});

const invalid = (r: Partial<UserRequest>, msg: RegExp) =>
  assert.throws(() => resolveUser(req(r)), (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument && msg.test(e.message));

test('parsePasswd skips comments and malformed lines, keeps order', () => {
  const p = parsePasswd(PASSWD);
  assert.deepEqual(p.map((e) => e.name), ['root', 'daemon', 'nginx', 'default-user', 'nobody', 'dup', 'dup']);
  assert.deepEqual(p[2], { name: 'nginx', uid: 101, gid: 101, home: '/var/cache/nginx', shell: '/sbin/nologin' });
  assert.deepEqual(parsePasswd('x:x:notanumber:0::/:/bin/sh\n:x:1:1::/:\n'), []);
});

test('parseGroup reads members', () => {
  const g = parseGroup(GROUP);
  assert.deepEqual(g.find((e) => e.name === 'wheel'), { name: 'wheel', gid: 10, members: ['root', 'default-user'] });
  assert.deepEqual(g.find((e) => e.name === 'users')?.members, []);
});

test('no user anywhere: root, with root\'s groups', () => {
  assert.deepEqual(resolveUser(req({})), { uid: 0, gid: 0, additionalGids: [0, 10], username: 'root' });
});

test('image USER forms', () => {
  assert.deepEqual(resolveUser(req({ imageUser: 'nginx' })), { uid: 101, gid: 101, additionalGids: [29, 101], username: 'nginx' });
  assert.deepEqual(resolveUser(req({ imageUser: '101' })), { uid: 101, gid: 101, additionalGids: [29, 101], username: 'nginx' });
  assert.deepEqual(resolveUser(req({ imageUser: 'nginx:100' })), { uid: 101, gid: 100, additionalGids: [29, 100], username: 'nginx' });
  assert.deepEqual(resolveUser(req({ imageUser: '101:users' })), { uid: 101, gid: 100, additionalGids: [29, 100], username: 'nginx' });
  assert.deepEqual(resolveUser(req({ imageUser: 'nginx:users' })), { uid: 101, gid: 100, additionalGids: [29, 100], username: 'nginx' });
  assert.deepEqual(resolveUser(req({ imageUser: '4242:4343' })), { uid: 4242, gid: 4343, additionalGids: [4343] });
  // An empty group part is no group.
  assert.deepEqual(resolveUser(req({ imageUser: 'nginx:' })), { uid: 101, gid: 101, additionalGids: [29, 101], username: 'nginx' });
  // Only a group: root with that group (containerd's WithUser).
  assert.deepEqual(resolveUser(req({ imageUser: ':100' })), { uid: 0, gid: 100, additionalGids: [10, 100], username: 'root' });
});

test('a uid without a passwd entry runs with gid 0; a name takes the first match', () => {
  assert.deepEqual(resolveUser(req({ imageUser: '4242' })), { uid: 4242, gid: 0, additionalGids: [0] });
  assert.deepEqual(resolveUser(req({ runAsUser: 4242n, passwd: undefined, group: undefined })), { uid: 4242, gid: 0, additionalGids: [0] });
  assert.equal(resolveUser(req({ imageUser: 'dup' })).uid, 2000);
});

test('CRI run_as_user overrides the image USER, group included', () => {
  assert.deepEqual(resolveUser(req({ imageUser: 'nginx:users', runAsUser: 1000n })), {
    uid: 1000,
    gid: 1000,
    additionalGids: [10, 1000, 50000],
    username: 'default-user',
  });
  assert.deepEqual(resolveUser(req({ imageUser: 'nginx', runAsUser: 0n })).uid, 0);
});

test('run_as_username wins over run_as_user; run_as_group sets the gid', () => {
  assert.deepEqual(resolveUser(req({ runAsUsername: 'nginx', runAsUser: 1000n })), { uid: 101, gid: 101, additionalGids: [29, 101], username: 'nginx' });
  assert.deepEqual(resolveUser(req({ runAsUsername: 'nginx', runAsGroup: 7n })), { uid: 101, gid: 7, additionalGids: [7, 29], username: 'nginx' });
  assert.deepEqual(resolveUser(req({ runAsUser: 1000n, runAsGroup: 3000n })), { uid: 1000, gid: 3000, additionalGids: [10, 3000, 50000], username: 'default-user' });
});

test('critest SupplementalGroupsPolicy: Merge adds image groups, Strict does not', () => {
  const merge = resolveUser(req({ runAsUser: 1000n, supplementalGroups: [1234n] }));
  assert.deepEqual(merge, { uid: 1000, gid: 1000, additionalGids: [10, 1000, 1234, 50000], username: 'default-user' });
  const strict = resolveUser(req({ runAsUser: 1000n, supplementalGroups: [1234n], supplementalGroupsPolicy: SupplementalGroupsPolicy.Strict }));
  assert.deepEqual(strict, { uid: 1000, gid: 1000, additionalGids: [1000, 1234], username: 'default-user' });
});

test('supplemental groups are deduplicated and sorted; the group named after the user is skipped', () => {
  const r = resolveUser(req({ runAsUser: 1000n, supplementalGroups: [50000n, 5n, 5n, 1000n] }));
  assert.deepEqual(r.additionalGids, [5, 10, 1000, 50000]);
  // default-user is a member of its own group "default-user" (gid 1000): that is the primary group, listed once.
  const g = resolveUser(req({ runAsUser: 1000n, runAsGroup: 4000n }));
  assert.deepEqual(g.additionalGids, [10, 4000, 50000]);
});

test('no /etc/group: no image groups, numeric groups still work', () => {
  assert.deepEqual(resolveUser(req({ runAsUser: 1000n, group: undefined, supplementalGroups: [3n] })), { uid: 1000, gid: 1000, additionalGids: [3, 1000], username: 'default-user' });
});

test('errors name the field', () => {
  invalid({ runAsGroup: 5n }, /linux\.security_context\.run_as_group: set without run_as_user or run_as_username/);
  invalid({ imageUser: 'nginx', runAsGroup: 5n }, /run_as_group: set without run_as_user/);
  invalid({ runAsUsername: 'ghost' }, /linux\.security_context\.run_as_username: user "ghost": not found in the image's \/etc\/passwd/);
  invalid({ imageUser: 'ghost' }, /image config User: user "ghost": not found/);
  invalid({ imageUser: 'nginx', passwd: undefined }, /user "nginx": the image has no \/etc\/passwd/);
  invalid({ imageUser: 'nginx:ghosts' }, /image config User: group "ghosts": not found in the image's \/etc\/group/);
  invalid({ imageUser: '101:staff', group: undefined }, /group "staff": the image has no \/etc\/group/);
  invalid({ runAsUser: -1n }, /run_as_user: -1 is not a valid id/);
  invalid({ runAsUser: 4294967295n }, /run_as_user: 4294967295 is not a valid id/);
  invalid({ runAsUser: 1n, runAsGroup: -2n }, /run_as_group: -2 is not a valid id/);
  invalid({ supplementalGroups: [1n, -3n] }, /supplemental_groups\[1\]: -3 is not a valid id/);
  invalid({ supplementalGroupsPolicy: 7 as SupplementalGroupsPolicy }, /supplemental_groups_policy: unknown value 7/);
});
