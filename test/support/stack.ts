// The stack most integration tests stand on: a local registry seeded with
// the offline test images, a private CNI network, a berthd on private
// directories using it, and (optionally) busybox already pulled. stop()
// removes every pod the test left (containers outlive berthd), then tears
// the daemon, network and registry down.
import { chmod } from 'node:fs/promises';
import { ListPodSandbox, PullImage, RemovePodSandbox } from '../../src/api/methods.js';
import { makeTestDir, startDaemon, type TestDaemon } from './daemon.js';
import { DEFAULT_IMAGE_DIR } from './images/build.js';
import { makeTestNetwork, type TestNetwork } from './pod-net.js';
import { imageRef, seedRegistry } from './registry/push.js';
import { startRegistry, type RunningRegistry } from './registry/registry.js';

export interface StackOptions {
  /** Prefix of the test directory. */
  prefix: string;
  /** TOML appended to the network's daemon config. */
  toml?: string;
  /** Pull busybox before the tests (default true). */
  pull?: boolean;
  /**
   * Make the daemon's directory traversable by others (0711, as /var/lib/berth is;
   * mkdtemp's are 0700): user-namespaced pods need it, runc resolves the rootfs
   * and volume paths as the pod's root.
   */
  traversable?: boolean;
}

export interface TestStack {
  reg: RunningRegistry;
  net: TestNetwork;
  /** The daemon stop() tears down: a test that restarts berthd puts the new one here. */
  d: TestDaemon;
  /** The test directory (the network's and the test's own files). */
  dir: string;
  /** Reference of the seeded busybox image. */
  busybox: string;
  stop(): Promise<void>;
}

/** Removes every pod of the daemon, ignoring failures (teardown). */
export async function removeAllPods(d: TestDaemon): Promise<void> {
  const { items } = await d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
  for (const p of items) await d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
}

export async function startStack(o: StackOptions): Promise<TestStack> {
  const reg = await startRegistry({ auth: 'none' });
  const busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
  const dir = await makeTestDir(o.prefix);
  const net = await makeTestNetwork(dir);
  const d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: `${net.toml}\n${o.toml ?? ''}` });
  if (o.traversable) await chmod(d.dir, 0o711);
  if (o.pull ?? true) await d.client.call(PullImage, { image: { image: busybox } });
  const stack: TestStack = {
    reg,
    net,
    d,
    dir,
    busybox,
    async stop() {
      await removeAllPods(stack.d);
      await stack.d.cleanup();
      await net.cleanup();
      await reg.stop();
    },
  };
  return stack;
}
