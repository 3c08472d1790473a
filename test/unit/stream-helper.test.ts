// The berth-stream wrapper's pure parts and the runtime message parser.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execHelperArgs } from '../../src/oci/stream-helper.js';
import { runtimeMessage } from '../../src/container/exec-sync.js';
import { atStdinEnd } from '../../src/container/attach.js';

describe('berth-stream exec arguments', () => {
  it('mode, tty, pid file, runtime and its global args, then -- id and the command', () => {
    assert.deepEqual(
      execHelperArgs({ tty: true, pidFile: '/b/exec-1.pid', runtimePath: '/usr/sbin/runc', runtimeArgs: ['--root=/run/r'], containerId: 'abc', cmd: ['sh', '-c', 'echo --'] }),
      ['exec', '1', '/b/exec-1.pid', '/usr/sbin/runc', '--root=/run/r', '--', 'abc', 'sh', '-c', 'echo --'],
    );
    assert.equal(execHelperArgs({ tty: false, pidFile: 'p', runtimePath: 'r', runtimeArgs: [], containerId: 'c', cmd: ['x'] })[1], '0');
  });
});

describe('attach: what the end of the client\'s stdin means', () => {
  it('a stdin_once container without a terminal gets its stdin closed and the output to the end; otherwise the client detaches', () => {
    assert.equal(atStdinEnd({ stdinOnce: true, tty: false }, true), 'half-close');
    assert.equal(atStdinEnd({ stdinOnce: false, tty: false }, true), 'detach', 'echo cmd | crictl attach -i returns, as with containerd');
    assert.equal(atStdinEnd({ stdinOnce: false, tty: true }, true), 'detach');
    assert.equal(atStdinEnd({ stdinOnce: true, tty: true }, true), 'detach', 'with a terminal EOF is a character: the container\'s stdin stays');
  });
  it('a client without stdin changes nothing (must not close a stdin_once container\'s input)', () => {
    assert.equal(atStdinEnd({ stdinOnce: true, tty: false }, false), 'keep');
    assert.equal(atStdinEnd({ stdinOnce: false, tty: false }, false), 'keep');
  });
});

describe('runtimeMessage', () => {
  it('takes msg="…" with escaped quotes from a logrus line', () => {
    const line = 'time="2026-11-22T20:45:01Z" level=error msg="exec failed: unable to start container process: exec: \\"nosuch\\": executable file not found in $PATH"\n';
    assert.equal(runtimeMessage(line), 'exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH');
  });
  it('keeps other text as it is', () => {
    assert.equal(runtimeMessage('  berth-stream: cannot run runc: No such file\n'), 'berth-stream: cannot run runc: No such file');
  });
});
