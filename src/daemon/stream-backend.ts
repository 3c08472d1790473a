// The StreamBackend berthd's streaming server runs on (issue 6). The
// protocols are done (src/stream, tested with an in-process backend); what
// remains is the container side, which belongs to the container subsystem:
//   exec        runc exec (pty via --console-socket with tty, pipes without),
//               killed on session abort, exit code after output is drained
//   attach      conmon's <bundle>/attach socket (SOCK_SEQPACKET, 2/3-prefixed
//               output packets) and the <bundle>/ctl fifo for resize
//   portForward a helper process inside the pod's network namespace
//               (127.0.0.1, then [::1]; hostNetwork pods use the host's)
// Until it exists this returns undefined and berthd serves no streaming:
// Exec, Attach and PortForward answer UNIMPLEMENTED.
import type { ContainerManager } from '../container/manager.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';
import type { StreamBackend } from '../stream/backend.js';

export function streamBackendOf(_deps: { containers: ContainerManager; pods: SandboxManager }): StreamBackend | undefined {
  return undefined;
}
