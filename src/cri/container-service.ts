// Container RPCs: validate the request, call the container manager, map the
// record to CRI messages. Queries are answered from memory.
import { access, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, ContainerConfig, ContainerStatus, PodSandboxConfig } from '../api/gen/api.js';
import type { Handlers } from '../api/server.js';
import type { ContainerManager } from '../container/manager.js';
import { BerthError, Code, failedPrecondition, invalidArgument } from '../util/errors.js';
import { validateHostname } from '../pod/pod-files.js';
import { containerMessage, containerStatusMessage, matchesContainerFilter } from './container-mapping.js';

type ContainerHandlers = Pick<
  Handlers,
  | 'CreateContainer'
  | 'StartContainer'
  | 'StopContainer'
  | 'RemoveContainer'
  | 'ContainerStatus'
  | 'ListContainers'
  | 'ExecSync'
  | 'UpdateContainerResources'
  | 'ReopenContainerLog'
>;

export interface ContainerHandlerOptions {
  /** CreateContainer from a checkpoint archive (src/cri/checkpoint-service.ts). */
  restore?: (archive: string, req: { podSandboxId: string; config: ContainerConfig; sandboxConfig: PodSandboxConfig | undefined }, signal: AbortSignal) => Promise<string>;
}

export function containerHandlers(containers: ContainerManager, o: ContainerHandlerOptions = {}): ContainerHandlers {
  return {
    CreateContainer: async (req, call) => {
      if (!req.podSandboxId) throw invalidArgument('cri', 'pod_sandbox_id is empty');
      if (!req.config) throw invalidArgument('cri', 'config is required');
      // CRI-O's convention: an absolute path as the image names a checkpoint archive to restore.
      const image = req.config.image?.image ?? '';
      if (image.startsWith('/')) {
        if (!o.restore) throw new BerthError(Code.Unimplemented, 'cri', `config.image.image "${image}": restoring from a checkpoint archive is not supported`);
        return { containerId: await o.restore(image, { podSandboxId: req.podSandboxId, config: req.config, sandboxConfig: req.sandboxConfig }, call.signal) };
      }
      // The container's spec takes its hostname from this copy of the pod's config: refuse what sethostname(2) would.
      if (req.sandboxConfig) validateHostname(req.sandboxConfig.hostname);
      // The call's signal tells the manager whether this caller is still there to be given the id.
      const id = await containers.create(req.podSandboxId, req.config, req.sandboxConfig, call.signal);
      return { containerId: id };
    },

    StartContainer: async (req) => {
      await containers.start(req.containerId);
      return {};
    },

    StopContainer: async (req) => {
      await containers.stop(req.containerId, Math.max(0, Number(req.timeout)));
      return {};
    },

    RemoveContainer: async (req) => {
      if (!req.containerId) throw invalidArgument('cri', 'container_id is empty');
      await containers.remove(req.containerId);
      return {};
    },

    ContainerStatus: async (req) => {
      const rec = containers.resolve(req.containerId);
      const info: Record<string, string> = {};
      if (req.verbose) {
        info.info = JSON.stringify({
          pid: rec.pid,
          sandboxID: rec.podId,
          runtimeHandler: rec.runtimeHandler,
          bundle: containers.pathsOf(rec.id).bundle,
          name: rec.name,
          state: rec.state,
        });
      }
      return { status: containerStatusMessage(rec), info };
    },

    ListContainers: async (req) => {
      const out: Container[] = [];
      for (const r of containers.all()) if (r.state !== 'creating' && matchesContainerFilter(r, req.filter)) out.push(containerMessage(r));
      return { containers: out };
    },

    ExecSync: async (req, ctx) => {
      const r = await containers.execSync(req.containerId, req.cmd, Number(req.timeout), ctx.signal);
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
    },

    UpdateContainerResources: async (req) => {
      const linux = req.linux;
      if (!linux) throw invalidArgument('cri', 'linux resources are required');
      await containers.updateResources(req.containerId, linux);
      return {};
    },

    ReopenContainerLog: async (req) => {
      const rec = containers.resolve(req.containerId);
      if (rec.state !== 'running') throw failedPrecondition('cri', `container ${rec.id} is ${rec.state}, not running: cannot reopen its log`);
      await reopenLog(containers.pathsOf(rec.id).bundle, rec.conmonLogPath);
      return {};
    },
  };
}

/**
 * ContainerStatus of every container of a pod (one still being created is not
 * listed yet, as in ListContainers): PodSandboxStatus.containers_statuses and
 * the container events carry this list, and the kubelet's evented PLEG takes it
 * as the pod's complete set of containers.
 */
export function podContainerStatuses(containers: ContainerManager, podId: string): ContainerStatus[] {
  const out: ContainerStatus[] = [];
  for (const c of containers.all()) if (c.podId === podId && c.state !== 'creating') out.push(containerStatusMessage(c));
  return out;
}

/** Asks conmon to reopen its log (ctl fifo message 2) and waits until the file exists again. */
async function reopenLog(bundle: string, logPath: string): Promise<void> {
  const fh = await open(join(bundle, 'ctl'), 'w');
  try {
    await fh.write('2 0 0\n');
  } finally {
    await fh.close();
  }
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await access(logPath);
      return;
    } catch {
      if (Date.now() > deadline) throw new BerthError(Code.Internal, 'monitor', `conmon did not reopen ${logPath} within 5s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

