// The StreamBackend berthd's streaming server runs on: the adapter from the
// session contract (src/stream/backend.ts) to the container and pod
// subsystems. The work is in src/container/stream-exec.ts (runtime exec via
// the berth-stream helper), src/container/attach.ts (conmon's attach socket
// and ctl fifo) and src/pod/port-forward.ts (a helper in the pod's netns).
import { attachContainer } from '../container/attach.js';
import type { ContainerManager } from '../container/manager.js';
import type { ContainerRecord } from '../container/record.js';
import { streamExec } from '../container/stream-exec.js';
import { streamHelperPath } from '../oci/stream-helper.js';
import { portForward } from '../pod/port-forward.js';
import type { SandboxManager } from '../pod/sandbox-manager.js';
import type { StreamBackend } from '../stream/backend.js';
import { BerthError, Code, failedPrecondition, notFound } from '../util/errors.js';

export function streamBackendOf(deps: { containers: ContainerManager; pods: SandboxManager }): StreamBackend | undefined {
  const { containers, pods } = deps;
  const lookup = (id: string): ContainerRecord | undefined => {
    try {
      return containers.resolve(id);
    } catch (e) {
      if (e instanceof BerthError && (e.code === Code.NotFound || e.code === Code.InvalidArgument)) return undefined;
      throw e;
    }
  };
  /** The container, running, or the error the client sees. */
  const running = (id: string): ContainerRecord => {
    const rec = lookup(id);
    if (!rec) throw notFound('stream', `container "${id}" not found`);
    if (rec.state !== 'running') throw failedPrecondition('stream', `container ${rec.id} is ${rec.state}, not running`);
    return rec;
  };
  return {
    async exec(s) {
      const rec = running(s.containerId);
      const target = { runtime: containers.runtimeOf(rec), helper: await streamHelperPath(), containerId: rec.id, scratchDir: containers.pathsOf(rec.id).bundle };
      return streamExec(target, s);
    },
    async attach(s) {
      const rec = running(s.containerId);
      const config = containers.configOf(rec);
      const target = { helper: await streamHelperPath(), containerId: rec.id, bundle: containers.pathsOf(rec.id).bundle, tty: config.tty, stdinOnce: config.stdinOnce };
      return attachContainer(target, s);
    },
    async portForward(s) {
      const pod = pods.getPod(s.podSandboxId) ?? pods.getPod(pods.get(s.podSandboxId).id);
      if (!pod) throw notFound('stream', `pod sandbox "${s.podSandboxId}" not found`);
      if (!pod.ready) throw failedPrecondition('stream', `pod sandbox ${pod.id} is not ready`);
      return portForward({ helper: streamHelperPath, podSandboxId: pod.id, netns: pod.namespaces.network }, s);
    },
    async containerExists(id) {
      return lookup(id) !== undefined;
    },
    async containerRunning(id) {
      return lookup(id)?.state === 'running';
    },
    async podExists(id) {
      try {
        return pods.getPod(pods.get(id).id) !== undefined;
      } catch {
        return false;
      }
    },
  };
}
