// User-namespace mappings from the CRI: what is accepted, what is refused
// (and that the refusal names the field), and the conversions to the forms
// berth-sys and the OCI spec take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostIdOf, mapArg, ociMappings, planUserns, sameMappings } from '../../src/util/idmap.js';
import { BerthError, Code } from '../../src/util/errors.js';

const F = 'namespace_options.userns_options';
const R = { hostId: 131072, containerId: 0, length: 65536 };

function refused(userns: Parameters<typeof planUserns>[0], re: RegExp): void {
  assert.throws(
    () => planUserns(userns, F),
    (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument && re.test(e.message),
  );
}

test('no options or mode NODE: the node user namespace', () => {
  assert.equal(planUserns(undefined, F), undefined);
  assert.equal(planUserns({ mode: 2, uids: [], gids: [] }, F), undefined);
});

test('mode POD with the kubelet mappings is taken as given', () => {
  assert.deepEqual(planUserns({ mode: 0, uids: [R], gids: [R] }, F), {
    uids: [{ containerId: 0, hostId: 131072, size: 65536 }],
    gids: [{ containerId: 0, hostId: 131072, size: 65536 }],
  });
});

test('refused: other modes, missing or empty lists, zero length, overflow, overlaps, the node range, unmapped root', () => {
  refused({ mode: 1, uids: [R], gids: [R] }, /userns_options\.mode: only POD and NODE/);
  refused({ mode: 3, uids: [R], gids: [R] }, /mode/);
  refused({ mode: 2, uids: [R], gids: [] }, /mode NODE takes no/);
  refused({ mode: 0, uids: [], gids: [R] }, /userns_options\.uids: a user namespace needs/);
  refused({ mode: 0, uids: [R], gids: [] }, /userns_options\.gids/);
  refused({ mode: 0, uids: [{ ...R, length: 0 }], gids: [R] }, /uids\[0\]\.length: must be > 0/);
  refused({ mode: 0, uids: [{ ...R, hostId: 2 ** 32 - 10 }], gids: [R] }, /uids\[0\]: host_id .* overflows/);
  refused({ mode: 0, uids: [{ ...R, containerId: 2 ** 32 - 10 }], gids: [R] }, /uids\[0\]: container_id .* overflows/);
  refused({ mode: 0, uids: [{ ...R, hostId: 1000 }], gids: [R] }, /uids\[0\]\.host_id: 1000 maps onto the node's own IDs/);
  refused({ mode: 0, uids: [R, { hostId: 131072 + 10, containerId: 70000, length: 5 }], gids: [R] }, /host ranges overlap/);
  refused({ mode: 0, uids: [R, { hostId: 400000, containerId: 10, length: 5 }], gids: [R] }, /container ranges overlap/);
  refused({ mode: 0, uids: [{ ...R, containerId: 1 }], gids: [R] }, /container ID 0 must be mapped/);
  refused({ mode: 0, uids: Array.from({ length: 341 }, (_, i) => ({ hostId: 65536 * (i + 2), containerId: i, length: 1 })), gids: [R] }, /at most 340/);
});

test('conversions: host ID of a container ID, berth-sys and OCI forms, equality', () => {
  const m = planUserns({ mode: 0, uids: [{ hostId: 200000, containerId: 0, length: 1000 }, { hostId: 300000, containerId: 1000, length: 10 }], gids: [R] }, F)!;
  assert.equal(hostIdOf(m.uids, 0), 200000);
  assert.equal(hostIdOf(m.uids, 999), 200999);
  assert.equal(hostIdOf(m.uids, 1005), 300005);
  assert.equal(hostIdOf(m.uids, 1010), undefined);
  assert.equal(mapArg(m.uids), '0:200000:1000,1000:300000:10');
  assert.deepEqual(ociMappings(m.gids), [{ containerID: 0, hostID: 131072, size: 65536 }]);
  assert.ok(sameMappings(m, planUserns({ mode: 0, uids: [{ hostId: 200000, containerId: 0, length: 1000 }, { hostId: 300000, containerId: 1000, length: 10 }], gids: [R] }, F)));
  assert.ok(!sameMappings(m, undefined));
  assert.ok(sameMappings(undefined, undefined));
});
