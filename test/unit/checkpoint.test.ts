// Checkpoint pieces that need no root: CRIU's check output reduced to its
// reason, and the archive location rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLocation, isArchiveReference } from '../../src/cri/checkpoint-service.js';
import { criuCheckReason } from '../../src/oci/criu.js';
import { BerthError, Code } from '../../src/util/errors.js';

test('criu check output → the reasons it gives', () => {
  const out = [
    'Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds',
    'Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable',
    'Warn  (criu/kerndat.c:1): something harmless',
  ].join('\n');
  assert.equal(criuCheckReason(out), 'vdso: Unexpected rt vDSO area bounds; vdso: Failed to fill self vdso symtable');
  assert.equal(criuCheckReason('Looks good but some kernel features are missing\n'), 'Looks good but some kernel features are missing');
  assert.equal(criuCheckReason(''), 'no output');
});

test('checkpoint location: absolute file path, else InvalidArgument naming location', () => {
  assert.equal(checkLocation('/var/lib/x.tar'), '/var/lib/x.tar');
  for (const [bad, re] of [['', /location is empty/], ['x.tar', /must be an absolute path/], ['/tmp/', /must name a file/]] as const) {
    assert.throws(() => checkLocation(bad), (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument && re.test(e.message));
  }
  assert.ok(isArchiveReference('/tmp/c.tar'));
  assert.ok(!isArchiveReference('busybox:latest'));
});
