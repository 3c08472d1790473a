// The infra process of a pod that shares one PID namespace: `catatonit -P`,
// run by the pod's OCI runtime under conmon like any container (so it keeps
// running while berthd restarts). Its container id is the pod id; its bundle
// is <state>/pods/<id>/infra; conmon reports its exit in <state>/infra-exits/<id>; its rootfs (<root>/infra/rootfs) holds only a
// copy of the static catatonit binary, refreshed once per berthd start.
import { watch, type FSWatcher } from 'node:fs';
import { access, chmod, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BerthConfig } from '../config/schema.js';
import { resolveBinary } from '../oci/binaries.js';
import { monitorCreate, monitorDescription, resolveMonitor, type MonitorBinary } from '../oci/monitor.js';
import { OciRuntime } from '../oci/runtime.js';
import { BerthError, Code, errorMessage, failedPrecondition } from '../util/errors.js';
import { readPid, waitForPidExit } from '../util/pid-wait.js';
import type { Logger } from '../util/log.js';
import { INFRA_BINARY, infraSpec } from './infra-spec.js';
import type { CgroupManager } from '../cgroups/manager.js';
import type { InfraRunner } from './sandbox-manager.js';
import type { InfraRecord, PodRecord } from './sandbox-store.js';

export interface CatatonitInfraOptions {
  config: BerthConfig;
  log: Logger;
  monitor: MonitorBinary;
  catatonitPath: string;
  /** The handler's runtime (src/oci/runtimes.ts): throws for one not configured or not installed. */
  runtimeOf: (handler: string) => OciRuntime;
  cgroups: CgroupManager;
}

/** How long kill() waits for the infra to go; past it, stop() leaves the rest to runc delete --force. */
const INFRA_EXIT_WAIT_MS = 2000;

/** The parent pid from /proc/<pid>/stat; undefined for a process that is gone. */
async function parentPid(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return stat && ppid > 0 ? ppid : undefined;
}

export class CatatonitInfra implements InfraRunner {
  private rootfsReady: Promise<string> | undefined;

  constructor(private readonly o: CatatonitInfraOptions) {}

  /** The runner, or undefined when conmon or catatonit is missing (pods then need pid != POD). */
  static async create(config: BerthConfig, log: Logger, runtimeOf: (handler: string) => OciRuntime, cgroups: CgroupManager): Promise<CatatonitInfra | undefined> {
    const [monitor, catatonitPath] = await Promise.all([resolveMonitor(config.runtime.monitor, config.runtime.conmon_path), resolveBinary('catatonit')]);
    if (!monitor || !catatonitPath) {
      log.warn('no infra process available: pods sharing a PID namespace will fail', {
        monitor: monitor?.path ?? `missing: ${monitorDescription(config.runtime.monitor, config.runtime.conmon_path)}`,
        catatonit: catatonitPath ?? 'missing',
      });
      return undefined;
    }
    return new CatatonitInfra({ config, log, monitor, catatonitPath, runtimeOf, cgroups });
  }

  plan(pod: PodRecord): InfraRecord {
    const h = this.o.config.runtime.handlers[pod.runtimeHandler];
    return { id: pod.id, bundle: join(pod.files.dir, 'infra'), runtime: pod.runtimeHandler, runtimeRoot: h?.root ?? '' };
  }

  async start(pod: PodRecord, infra: InfraRecord): Promise<number> {
    const runtime = this.runtimeFor(infra.runtime, infra.runtimeRoot);
    const rootfs = await this.rootfs();
    const bundle = infra.bundle;
    const exitDir = this.exitDir;
    const socketDir = join(this.o.config.storage.state, 'sockets');
    await Promise.all([bundle, exitDir, socketDir].map((d) => mkdir(d, { recursive: true, mode: 0o700 }))).catch((e: unknown) => {
      throw new BerthError(Code.Internal, 'storage', `cannot create the infra bundle: ${errorMessage(e)}`);
    });
    const spec = infraSpec({
      podId: pod.id,
      podName: pod.metadata.name,
      podNamespace: pod.metadata.namespace,
      podUid: pod.metadata.uid,
      rootfs,
      pins: pod.pins,
      ...(pod.userns ? { userns: pod.userns } : {}),
      cgroupsPath: this.o.cgroups.cgroupsPath(pod.cgroupParent, pod.id),
    });
    await writeFile(join(bundle, 'config.json'), JSON.stringify(spec), { mode: 0o600 }).catch((e: unknown) => {
      throw new BerthError(Code.Internal, 'storage', `cannot write the infra spec: ${errorMessage(e)}`);
    });
    const created = await monitorCreate(this.o.monitor, {
      runtimePath: runtime.opts.path,
      runtimeArgs: runtime.globalArgs,
      conmonArgs: this.o.cgroups.conmonArgs(),
      beforeStart: (pid) => this.o.cgroups.placeMonitor(pid, infra.id),
      id: infra.id,
      name: `infra-${pod.metadata.name}`,
      bundle,
      logPath: join(bundle, 'infra.log'),
      exitDir,
      persistDir: bundle,
      socketDir,
      warmer: runtime.opts.warmer,
    });
    await runtime.start(infra.id);
    return created.pid;
  }

  async stop(infra: InfraRecord): Promise<void> {
    const runtime = this.runtimeFor(infra.runtime, infra.runtimeRoot);
    // catatonit has nothing to save. `runc delete --force` on a running container sleeps 100 ms after
    // its SIGKILL before it looks again (runc 1.1 killContainer); killed and gone first, delete finds
    // it stopped and only cleans up. --force stays for an infra kill() could not vouch for.
    await this.kill(infra);
    await runtime.delete(infra.id, { force: true });
    await this.o.cgroups.cleanup(infra.id);
  }

  async kill(infra: InfraRecord): Promise<boolean> {
    const pid = infra.pid;
    if (!pid) return false;
    // The recorded pid is only ours while its parent is the infra's conmon (after an exit the pid may be reused).
    const conmon = await readPid(join(infra.bundle, 'conmon-pidfile'));
    if (!conmon || (await parentPid(pid)) !== conmon) return false;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return false;
    }
    return waitForPidExit(pid, INFRA_EXIT_WAIT_MS, 2);
  }

  /** conmon writes <id> here when an infra process exits; one watch serves every pod. */
  get exitDir(): string {
    return join(this.o.config.storage.state, 'infra-exits');
  }

  watchExits(onExit: (podId: string) => void): () => void {
    let watcher: FSWatcher | undefined;
    void mkdir(this.exitDir, { recursive: true, mode: 0o700 }).then(() => {
      watcher = watch(this.exitDir, { persistent: false }, (_event, name) => {
        if (name && /^[0-9a-f]{64}$/.test(name)) void access(join(this.exitDir, name)).then(() => onExit(name), () => undefined);
      });
      watcher.on('error', (e) => this.o.log.warn('infra exit watch failed', { error: String(e) }));
    });
    return () => watcher?.close();
  }

  async forgetExit(infra: InfraRecord): Promise<void> {
    await rm(join(this.exitDir, infra.id), { force: true });
    // conmon's attach link (nobody attaches to an infra process, but conmon makes one).
    await rm(join(this.o.config.storage.state, 'sockets', infra.id), { force: true });
  }

  async reportedExits(): Promise<string[]> {
    return (await readdir(this.exitDir).catch(() => [])).filter((n) => /^[0-9a-f]{64}$/.test(n));
  }

  async isRunning(infra: InfraRecord): Promise<boolean> {
    const runtime = this.runtimeFor(infra.runtime, infra.runtimeRoot);
    return (await runtime.stateOrUndefined(infra.id))?.status === 'running';
  }

  /** The pod's runtime, on the --root recorded when the infra was planned (the config may have changed since). */
  private runtimeFor(handler: string, recordedRoot: string): OciRuntime {
    if (!(handler in this.o.config.runtime.handlers)) throw failedPrecondition('runtime', `runtime handler "${handler}" is no longer configured`);
    const rt = this.o.runtimeOf(handler);
    return recordedRoot && recordedRoot !== rt.opts.root ? new OciRuntime({ ...rt.opts, root: recordedRoot }) : rt;
  }

  private rootfs(): Promise<string> {
    this.rootfsReady ??= this.prepareRootfs().catch((e: unknown) => {
      this.rootfsReady = undefined;
      throw new BerthError(Code.Internal, 'storage', `cannot prepare the infra rootfs: ${errorMessage(e)}`);
    });
    return this.rootfsReady;
  }

  private async prepareRootfs(): Promise<string> {
    const rootfs = join(this.o.config.storage.root, 'infra', 'rootfs');
    await Promise.all(['proc', 'dev'].map((d) => mkdir(join(rootfs, d), { recursive: true, mode: 0o755 })));
    // Copy then rename: running infra processes keep the old inode.
    const target = join(rootfs, INFRA_BINARY);
    const tmp = `${target}.tmp`;
    await rm(tmp, { force: true });
    await copyFile(this.o.catatonitPath, tmp);
    await chmod(tmp, 0o755);
    await rename(tmp, target);
    return rootfs;
  }
}
