// Exec, Attach and PortForward: validate, check the container or pod
// through the streaming backend, and hand out a single-use URL on the
// streaming server (the client then connects there).
import type { Handlers } from '../api/server.js';
import type { StreamBackend } from '../stream/backend.js';
import { validateAttachRequest, validateExecRequest, validatePortForwardRequest } from '../stream/requests.js';
import type { StreamingServer } from '../stream/server.js';
import { failedPrecondition, notFound } from '../util/errors.js';

export interface StreamServiceDeps {
  server: Pick<StreamingServer, 'prepareExec' | 'prepareAttach' | 'preparePortForward'>;
  backend: Pick<StreamBackend, 'containerExists' | 'containerRunning' | 'podExists'>;
}

export function streamServiceHandlers(deps: StreamServiceDeps): Pick<Handlers, 'Exec' | 'Attach' | 'PortForward'> {
  const runningContainer = async (rpc: string, id: string): Promise<void> => {
    if (!(await deps.backend.containerExists(id))) throw notFound('cri', `${rpc}: container "${id}" not found`);
    if (!(await deps.backend.containerRunning(id))) throw failedPrecondition('cri', `${rpc}: container "${id}" is not running`);
  };
  return {
    Exec: async (req) => {
      validateExecRequest(req);
      await runningContainer('Exec', req.containerId);
      return deps.server.prepareExec(req);
    },
    Attach: async (req) => {
      validateAttachRequest(req);
      await runningContainer('Attach', req.containerId);
      return deps.server.prepareAttach(req);
    },
    PortForward: async (req) => {
      validatePortForwardRequest(req);
      if (!(await deps.backend.podExists(req.podSandboxId))) throw notFound('cri', `PortForward: pod sandbox "${req.podSandboxId}" not found`);
      return deps.server.preparePortForward(req);
    },
  };
}
