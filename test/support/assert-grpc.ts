// Asserting on the gRPC status of a failed CRI call.
import assert from 'node:assert/strict';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';

/** The call fails with `code` and a message matching `re`. */
export async function rejectsWith(p: Promise<unknown>, code: Code, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof GrpcStatusError, String(e));
    assert.equal(e.grpcCode, code, `${Code[e.grpcCode]}: ${e.details}`);
    assert.match(e.details, re);
    return true;
  });
}
