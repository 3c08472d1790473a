// Starting and stopping berthd: directories, subsystems, the gRPC server.
import { mkdir } from 'node:fs/promises';
import { prepareSocketPath, startGrpcServer, type Handlers, type RunningServer } from '../api/server.js';
import { repairAuthority } from '../api/h2-authority.js';
import type { BerthConfig } from '../config/schema.js';
import type { CriContext } from '../cri/context.js';
import { runtimeInfoHandlers } from '../cri/runtime-info.js';
import { imageHandlers } from '../cri/image-service.js';
import { Images } from '../image/images.js';
import { resolveBinary } from '../oci/binaries.js';
import { installDefaultNetwork } from '../pod/cni/default-network.js';
import { NetworkWatch } from '../pod/cni/network-watch.js';
import { podHandlers } from '../cri/pod-service.js';
import { SandboxManager } from '../pod/sandbox-manager.js';
import { CatatonitInfra } from '../pod/infra.js';
import { socketPathOf } from '../client/cri-client.js';
import type { Logger } from '../util/log.js';
import { acquirePidLock } from './pid-lock.js';
import { VERSION } from '../version.js';

export interface Daemon {
  socketPath: string;
  stop(): Promise<void>;
}

export async function startDaemon(config: BerthConfig, configFiles: readonly string[], log: Logger): Promise<Daemon> {
  const socketPath = socketPathOf(config.grpc.listen);
  // Refuse a socket a live daemon serves before touching anything else.
  await prepareSocketPath(socketPath);
  await mkdir(config.storage.root, { recursive: true, mode: 0o711 });
  await mkdir(config.storage.state, { recursive: true, mode: 0o711 });
  const releaseLock = await acquirePidLock(config.storage.state);
  const cleanups: (() => Promise<void> | void)[] = [releaseLock];
  try {
    if (config.network.install_default_config) {
      const file = await installDefaultNetwork(config.network.conf_dir, config.network.default_subnet);
      if (file) log.info('installed default CNI network', { file });
    }
    const network = new NetworkWatch(config.network.conf_dir, config.network.bin_dirs);
    await network.start();
    cleanups.push(() => network.close());

    const handler = config.runtime.handlers[config.runtime.default_handler];
    const ctx: CriContext = {
      config,
      configFiles,
      version: VERSION,
      log,
      network,
      binaries: {
        runtime: handler ? await resolveBinary(handler.path) : undefined,
        conmon: await resolveBinary(config.runtime.conmon_path),
      },
      runtimeConfig: { podCidr: '' },
    };
    const images = new Images({ config, log });
    await images.init();
    // Containers register their LayerUsers (images.addLayerUsers) before this first GC.
    await images.collectGarbage();
    const pods = new SandboxManager({ config, log, network, runtimeConfig: ctx.runtimeConfig, infra: await CatatonitInfra.create(config, log) });
    await pods.init();
    cleanups.push(() => pods.close());
    const handlers: Handlers = { ...runtimeInfoHandlers(ctx) };
    Object.assign(handlers, imageHandlers(images));
    Object.assign(handlers, podHandlers(pods));
    const server: RunningServer = await startGrpcServer({
      socketPath,
      handlers,
      maxMessageSize: config.grpc.max_msg_size,
      log,
      wrapConnection: repairAuthority,
    });
    cleanups.push(() => server.close());
    log.info('berthd serving', { socket: socketPath, version: VERSION, root: config.storage.root, state: config.storage.state });
    return {
      socketPath,
      stop: async () => {
        for (const c of cleanups.reverse()) await c();
      },
    };
  } catch (e) {
    for (const c of cleanups.reverse()) await c();
    throw e;
  }
}
