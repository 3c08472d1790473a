// The one owner of cgroup decisions at run time (CRI-O's cgmgr shape): built
// once from the config and the host, then asked by pods, containers, the OCI
// wrappers and stats. Nothing else builds a cgroup path or names a cgroup
// file. Path and rule logic is pure (paths.ts, resources.ts); this adds the
// host: the version, systemd on D-Bus, the files.
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { detectCgroupHost, type CgroupHostFacts } from './detect.js';
import { chooseDriver, type CgroupDriverName, type CgroupDriverSetting, type CgroupVersion } from './driver.js';
import { readOomKills, oomEventsFile, watchOomKills } from './oom.js';
import { cgroupFsPath, cgroupsPathFor, checkCgroupParent, conmonScopeUnit, containerScopeUnit, scopeUnitOf } from './paths.js';
import { CgroupReader, DEFAULT_CGROUP_ROOT } from './reader.js';
import { checkUnified } from './resources.js';
import type { CgroupSample } from './stats-parse.js';
import { SystemdBus } from './systemd-bus.js';

/** Where conmon's scopes go: its memory is the node's, not the pod's (CRI-O's conmon_cgroup = system.slice). */
const MONITOR_SLICE = 'system.slice';
/** How long a scope's PID move may take to show in /proc (systemd runs the start job asynchronously). */
const PLACE_WAIT_MS = 5000;
const PLACE_POLL_MS = 5;
/** How long an exited container's scope may take to settle (systemd handles the empty cgroup asynchronously). */
const SCOPE_SETTLE_MS = 2000;

/** The driver in use and the host's hierarchy, as Status verbose info shows them. */
export interface CgroupsDescription {
  cgroupDriver: CgroupDriverName;
  cgroupVersion: CgroupVersion;
  systemdInit: boolean;
}

export interface CgroupManagerOptions {
  driver: CgroupDriverName;
  host: CgroupHostFacts;
  root?: string;
  bus?: SystemdBus;
  log?: Logger;
}

export class CgroupManager {
  readonly driver: CgroupDriverName;
  readonly host: CgroupHostFacts;
  readonly reader: CgroupReader;
  private readonly root: string;
  private readonly bus: SystemdBus;
  private readonly log: Logger;

  constructor(o: CgroupManagerOptions) {
    this.driver = o.driver;
    this.host = o.host;
    this.root = o.root ?? DEFAULT_CGROUP_ROOT;
    this.reader = new CgroupReader(this.root, o.host.version);
    this.bus = o.bus ?? new SystemdBus();
    this.log = o.log ?? silentLogger;
  }

  /** Detects the host and resolves the configured driver ("auto" → systemd on a systemd v2 host). */
  static async create(setting: CgroupDriverSetting, log?: Logger): Promise<CgroupManager> {
    const host = await detectCgroupHost();
    return new CgroupManager({ driver: chooseDriver(setting, host), host, log });
  }

  get version(): CgroupVersion {
    return this.host.version;
  }

  /** The pod's cgroup parent (request or default); InvalidArgument naming linux.cgroup_parent when the driver cannot use it. */
  podParent(requested: string): string {
    return checkCgroupParent(this.driver, requested);
  }

  /** linux.cgroupsPath for a container (or a pod's infra process, id = pod id). */
  cgroupsPath(podParent: string, id: string): string {
    return cgroupsPathFor(this.driver, podParent, id);
  }

  /** Global OCI runtime flags: runc/crun only use systemd when told so. */
  runtimeArgs(): string[] {
    return this.driver === 'systemd' ? ['--systemd-cgroup'] : [];
  }

  /** conmon's own flag: it passes --systemd-cgroup to the create it runs. */
  conmonArgs(): string[] {
    return this.driver === 'systemd' ? ['-s'] : [];
  }

  /** CRI unified resources valid on this host (v2 file names only); InvalidArgument naming the key otherwise. */
  checkUnified(unified: Record<string, string>, field: string): void {
    checkUnified(this.version, unified, field);
  }

  /**
   * Moves a container's conmon (still waiting on its start pipe, so nothing
   * forked yet) into a scope of its own in system.slice under systemd, so its
   * memory is not billed to the pod. With cgroupfs it stays in berthd's
   * cgroup (which is not the pod's either). Resolves once the move shows.
   */
  async placeMonitor(pid: number, id: string): Promise<void> {
    if (this.driver !== 'systemd') return;
    const name = conmonScopeUnit(id);
    await this.bus.startScope({ name, slice: MONITOR_SLICE, pids: [pid], description: `berth conmon of container ${id}` });
    const deadline = Date.now() + PLACE_WAIT_MS;
    while (Date.now() < deadline) {
      const cg = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
      if (cg.includes(`/${name}`) || cg === '') return;
      await new Promise((r) => setTimeout(r, PLACE_POLL_MS));
    }
    this.log.warn('conmon scope started but the process has not moved yet', { id, scope: name });
  }

  /** A cgroup's sample (CPU, memory, swap, pids) by its cgroupsPath or cgroup_parent; undefined when gone. */
  read(cgroupsPathOrParent: string): Promise<CgroupSample | undefined> {
    return this.reader.read(cgroupFsPath(cgroupsPathOrParent));
  }

  /**
   * Whether the kernel OOM-killed a process of this container's cgroup: its
   * memory.events while the cgroup exists; under systemd, whose scope goes
   * away with its last process, the scope's Result (systemd watches
   * memory.events itself and ends the scope "failed" with "oom-kill", kept
   * until runc delete resets it).
   */
  async oomKilled(cgroupsPath: string): Promise<boolean> {
    if (!cgroupsPath) return false;
    if (((await readOomKills(this.oomFile(cgroupsPath))) ?? 0n) > 0n) return true;
    const scope = this.driver === 'systemd' ? scopeUnitOf(cgroupsPath) : undefined;
    if (!scope) return false;
    // systemd settles the scope once it sees it empty; its result is final then.
    const deadline = Date.now() + SCOPE_SETTLE_MS;
    for (;;) {
      const st = await this.bus.scopeState(scope).catch(() => undefined);
      if (!st) return false;
      if (st.result === 'oom-kill') return true;
      if (!['active', 'deactivating', 'reloading'].includes(st.activeState) || Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, PLACE_POLL_MS * 4));
    }
  }

  /** Calls onOom when the container's cgroup records an OOM kill while it runs; returns the stop function. */
  watchOom(cgroupsPath: string, onOom: () => void): Promise<() => void> {
    if (!cgroupsPath) return Promise.resolve(() => undefined);
    return watchOomKills(this.oomFile(cgroupsPath), onOom);
  }

  /**
   * After the runtime deleted a container: nothing of ours stays. runc
   * removes its cgroup or stops its scope; a scope that failed (OOM) stays
   * listed until reset; conmon's scope ends with conmon, or is stopped here.
   */
  async cleanup(id: string): Promise<void> {
    if (this.driver !== 'systemd') return;
    const work = [this.bus.stopUnit(conmonScopeUnit(id)).then(() => this.bus.resetFailed(conmonScopeUnit(id))), this.bus.resetFailed(containerScopeUnit(id))];
    for (const r of await Promise.allSettled(work)) {
      if (r.status === 'rejected') this.log.warn('cgroup cleanup incomplete', { id, error: errorMessage(r.reason) });
    }
  }

  /** What `berthd config` and `berthctl info` show. */
  describe(): CgroupsDescription {
    return { cgroupDriver: this.driver, cgroupVersion: this.version, systemdInit: this.host.systemdInit };
  }

  private oomFile(cgroupsPath: string): string {
    return oomEventsFile(this.root, this.version, cgroupFsPath(cgroupsPath));
  }
}
