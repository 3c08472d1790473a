// The two runtimes a pod benchmark compares, set up alike: a local registry
// with the test images, berthd (as installed: its shebang's node flags, log
// level info) and Debian's containerd 1.6, each on private directories and
// its own CNI bridge, busybox and the pause image pulled into both.
//
// Equal CNI work: Berth skips the portmap plugin for a pod without port
// mappings (src/pod/cni/network-setup.ts isNoopPlugin); containerd's libcni
// runs every plugin of the list whatever the pod, so a pod without mappings
// goes to a containerd whose list has no portmap, and a pod with mappings to
// one whose list has it.
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PullImage } from '../../src/api/methods.js';
import { CriClient } from '../../src/client/cri-client.js';
import { startContainerd, type ContainerdPeer } from '../../test/support/containerd.js';
import { makeTestDir, startDaemon, type TestDaemon } from '../../test/support/daemon.js';
import { DEFAULT_IMAGE_DIR, type BuiltImage } from '../../test/support/images/build.js';
import { makeTestNetwork, type TestNetwork } from '../../test/support/pod-net.js';
import { imageRef, seedRegistry } from '../../test/support/registry/push.js';
import { startRegistry } from '../../test/support/registry/registry.js';

const sh = promisify(execFile);

export interface ContainerdRun {
  peer: ContainerdPeer;
  client: CriClient;
}

export interface Peers {
  work: string;
  logDir: string;
  busybox: string;
  busyboxImage: BuiltImage;
  berth: TestDaemon;
  /** containerd whose CNI list has no portmap: pods without port mappings. */
  containerd: ContainerdRun;
  /** containerd whose CNI list has portmap: pods with port mappings (only when asked for). */
  containerdPorts?: ContainerdRun;
  /** Pulls busybox into every runtime (and the pause image into containerd), e.g. after an idle-memory reading. */
  pull(): Promise<void>;
  /** Stops everything and removes the directories; a second call does nothing. */
  close(): Promise<void>;
}

export const progress = (m: string): void => {
  process.stderr.write(`[${new Date().toISOString()}] ${m}\n`);
};

export async function startPeers(opts: { withPortsContainerd: boolean; work?: string }): Promise<Peers> {
  const work = opts.work ?? (await makeTestDir('bench-pods-'));
  const logDir = join(work, 'logs');
  await mkdir(logDir, { recursive: true });
  const reg = await startRegistry({ auth: 'none' });
  const nets: TestNetwork[] = [];
  const ctrds: ContainerdRun[] = [];
  let berth: TestDaemon | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const c of ctrds) {
      c.client.close();
      await c.peer.stop().catch(() => undefined);
    }
    await berth?.cleanup().catch(() => undefined);
    for (const n of nets) await n.cleanup().catch(() => undefined);
    await reg.stop().catch(() => undefined);
    await sh('sh', ['-c', `mount | awk '{print $3}' | grep '^${work}' | sort -r | xargs -r umount -l`]).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  };
  try {
    const images = await seedRegistry(reg, DEFAULT_IMAGE_DIR);
    const busybox = imageRef(reg.host, images.busybox);
    const pause = imageRef(reg.host, images.catatonit);
    const netB = await makeTestNetwork(join(work, 'net-berth'), { noPortmap: false });
    nets.push(netB);
    berth = await startDaemon({ cniConfDir: netB.confDir, installDefaultNetwork: false, toml: netB.toml, logLevel: 'info' });
    const startCtrd = async (dir: string, portmap: boolean): Promise<ContainerdRun> => {
      const net = await makeTestNetwork(join(work, dir), { noPortmap: !portmap });
      nets.push(net);
      const peer = await startContainerd({ cniConfDir: net.confDir, mirrors: { [reg.host]: `http://${reg.host}` }, sandboxImage: pause });
      const run = { peer, client: new CriClient(peer.endpoint, 120_000) };
      ctrds.push(run);
      return run;
    };
    const containerd = await startCtrd('net-ctrd', false);
    const containerdPorts = opts.withPortsContainerd ? await startCtrd('net-ctrd-ports', true) : undefined;
    const d = berth;
    const pull = async (): Promise<void> => {
      await d.client.call(PullImage, { image: { image: busybox } });
      for (const c of ctrds) {
        await c.client.call(PullImage, { image: { image: busybox } });
        await c.client.call(PullImage, { image: { image: pause } });
      }
    };
    return { work, logDir, busybox, busyboxImage: images.busybox, berth, containerd, ...(containerdPorts ? { containerdPorts } : {}), pull, close };
  } catch (e) {
    await close();
    throw e;
  }
}
