// berthctl is a CRI client for any runtime: the same verbs against
// containerd's CRI plugin give containerd's answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startContainerd } from '../support/containerd.js';
import { BERTHCTL, runCli } from '../support/daemon.js';

test('berthctl version and info against containerd', async (t) => {
  const c = await startContainerd();
  t.after(() => c.stop());
  const v = await runCli(BERTHCTL, ['-r', c.endpoint, 'version']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /^Version:  0\.1\.0\nRuntimeName:  containerd\nRuntimeVersion:  \S+\nRuntimeApiVersion:  v1\n$/);
  const info = await runCli(BERTHCTL, ['-r', c.endpoint, 'info']);
  assert.equal(info.code, 0, info.stderr);
  const parsed = JSON.parse(info.stdout) as { status: { conditions: { type: string }[] } };
  assert.deepEqual(parsed.status.conditions.map((x) => x.type), ['RuntimeReady', 'NetworkReady']);
});
