// What the CRI handlers are given: the daemon's configuration and the
// subsystems they call. Built once by the daemon (src/daemon/daemon.ts).
import type { CgroupsDescription } from '../cgroups/manager.js';
import type { BerthConfig } from '../config/schema.js';
import type { AppArmorStatus } from '../oci/apparmor.js';
import type { NetworkWatch } from '../pod/cni/network-watch.js';
import type { Logger } from '../util/log.js';

export interface CriContext {
  config: BerthConfig;
  /** Configuration files that were read, for Status verbose info. */
  configFiles: readonly string[];
  /** Package version of berthd. */
  version: string;
  log: Logger;
  network: NetworkWatch;
  /** Resolved at start-up; undefined when the binary was not found. */
  binaries: { runtime: string | undefined; monitor: string | undefined };
  /** Every configured runtime handler with what it supports on this host (Status.runtime_handlers). */
  runtimeHandlers(): readonly { name: string; features: { recursiveReadOnlyMounts: boolean; userNamespaces: boolean } }[];
  /** Set by UpdateRuntimeConfig. */
  runtimeConfig: { podCidr: string };
  /** The cgroup driver in use (chosen once at start-up) and the host's hierarchy. */
  cgroups: CgroupsDescription;
  /** AppArmor as berthd found it (may change when the default profile is reloaded). */
  apparmorStatus(): AppArmorStatus;
}
