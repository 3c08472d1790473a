// The container lifecycle: create (rootfs, spec, conmon → runtime create),
// start, stop, remove, exit tracking and recovery after a berthd restart.
// Each operation is a short list of steps; the record is persisted before
// acting (state 'creating') and after (the result), so a crash leaves either
// a finished container or one that recovery rolls back.
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ContainerConfig, type LinuxContainerResources, type PodSandboxConfig } from '../api/gen/api.js';
import { monitorCreate, type MonitorBinary } from '../oci/monitor.js';
import type { OciRuntime } from '../oci/runtime.js';
import { RecordStore } from '../store/record-store.js';
import { BerthError, Code, errnoCode, errorMessage, failedPrecondition, invalidArgument, notFound } from '../util/errors.js';
import { pathExists } from '../util/fs-exists.js';
import { readPid, waitForPidExit } from '../util/pid-wait.js';
import { KeyedLock } from '../util/keyed-lock.js';
import { CreationTracker } from '../util/creation-tracker.js';
import { failpoint, failpointAsync } from '../util/failpoint.js';
import { checkArgv, pathInside } from '../util/path-checks.js';
import { checkContainerStrings } from './config-checks.js';
import { StepTimer } from '../util/step-timer.js';
import { phase } from '../observe/op.js';
import type { Logger } from '../util/log.js';
import type { ContainerCgroups, ImageLookup, ImageView, PodLookup, PodView } from './deps.js';
import { execSync, type ExecSyncResult } from './exec-sync.js';
import { ExitWatcher, type ExitEvent } from './exit-watcher.js';
import { terminatePartialLine } from './log-fix.js';
import { containerDirs, containerPaths, type ContainerDirs, type ContainerPaths } from './paths.js';
import { nowNs, type ContainerRecord } from './record.js';
import { mountRootfs, removeContainerFiles, type RootfsIdmap } from './rootfs.js';
import { hostIdOf } from '../util/idmap.js';
import { mountImageVolumes } from './image-volumes.js';

/** A container created from an extracted checkpoint archive (src/cri/checkpoint-service.ts). */
export interface RestoreInput {
  /** The extracted archive (CRIU images in checkpoint/); removed once restored or when the container goes. */
  dir: string;
  /** Fills the writable layer (the archive's rootfs diff) before the rootfs is mounted. */
  prepareUpper(upper: string): Promise<void>;
}

/** What the spec step returns: the OCI spec plus facts the record keeps. */
export interface PreparedSpec {
  spec: object;
  user: { uid: number; gid: number; additionalGids: number[] };
  stopSignal: string;
  /** OCI linux.resources as written into the spec. */
  resources: object;
  /** linux.cgroupsPath as written into the spec. */
  cgroupsPath: string;
}

export type PrepareSpec = (a: {
  id: string;
  config: ContainerConfig;
  sandboxConfig: PodSandboxConfig | undefined;
  pod: PodView;
  image: ImageView;
  paths: ContainerPaths;
  /** Image volumes: mount index → host path (see image-volumes.ts). */
  imageMountSources?: Readonly<Record<number, string>>;
}) => Promise<PreparedSpec>;

export interface ContainerManagerOptions {
  root: string;
  state: string;
  /** The per-container monitor (conmon or berth-mon). */
  monitor: MonitorBinary;
  runtimeFor(handler: string): OciRuntime;
  pods: PodLookup;
  images: ImageLookup;
  cgroups: ContainerCgroups;
  prepareSpec: PrepareSpec;
  /** CRI resources → OCI linux.resources, with the host's rules (the same as at create). */
  ociResources(linux: LinuxContainerResources): object;
  log: Logger;
  /** Called when a container's state changes (events, stats caches). */
  onChange?(rec: ContainerRecord, event: 'created' | 'started' | 'stopped' | 'deleted'): void;
}

const STOP_KILL_GRACE_MS = 10_000;
/** How long a SIGKILLed init gets before every process of the container is killed. */
const INIT_KILL_WAIT_MS = 1000;
/** conmon drains the last output and exits right after the container; bounded wait. */
const CONMON_DRAIN_MS = 2000;

export class ContainerManager {
  private readonly records = new Map<string, ContainerRecord>();
  private readonly names = new Map<string, string>();
  /** Creations by name: a CreateContainer retried after its caller's deadline waits for the first (shared with pods). */
  private readonly creations = new CreationTracker();
  private readonly lock = new KeyedLock();
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly exiting = new Map<string, Promise<void>>();
  private readonly dirs: ContainerDirs;
  private readonly store: RecordStore<ContainerRecord>;
  private readonly exits: ExitWatcher;
  /** OOM watches of containers with a process (stop functions). */
  private readonly oomWatches = new Map<string, () => void>();

  constructor(private readonly o: ContainerManagerOptions) {
    this.dirs = containerDirs(o.root, o.state);
    // Not fsynced: on the start path; rename keeps records whole across crashes.
    this.store = new RecordStore<ContainerRecord>(this.dirs.records, false);
    this.exits = new ExitWatcher(this.dirs.exits, (e) => void this.onExit(e), o.log);
  }

  async init(): Promise<void> {
    for (const d of [this.dirs.layers, this.dirs.bundles, this.dirs.exits, this.dirs.sockets]) await mkdir(d, { recursive: true, mode: 0o711 });
    await this.store.init();
    const { records, corrupt } = await this.store.loadAll();
    for (const id of corrupt) this.o.log.warn('discarding unreadable container record', { id });
    for (const rec of records.values()) await this.recover(rec);
    await this.sweepSocketLinks();
    this.exits.start();
    await this.exits.rescan();
  }

  close(): void {
    this.exits.close();
    for (const stop of this.oomWatches.values()) stop();
    this.oomWatches.clear();
  }

  // ---- queries (memory only) ----

  get(id: string): ContainerRecord | undefined {
    return this.records.get(id);
  }

  /** Full id from an id or a unique prefix; NotFound / InvalidArgument (ambiguous) otherwise. */
  resolve(idOrPrefix: string): ContainerRecord {
    if (!idOrPrefix) throw invalidArgument('cri', 'container_id is empty');
    const exact = this.records.get(idOrPrefix);
    if (exact) return exact;
    const matches = [...this.records.values()].filter((r) => r.id.startsWith(idOrPrefix));
    if (matches.length === 1) return matches[0] as ContainerRecord;
    if (matches.length > 1) throw invalidArgument('cri', `container id prefix "${idOrPrefix}" is ambiguous (${matches.length} containers)`);
    throw notFound('cri', `container "${idOrPrefix}" not found`);
  }

  all(): ContainerRecord[] {
    return [...this.records.values()];
  }

  ofPod(podId: string): ContainerRecord[] {
    return this.all().filter((r) => r.podId === podId);
  }

  configOf(rec: ContainerRecord): ContainerConfig {
    return ContainerConfig.decode(Buffer.from(rec.configPb, 'base64'));
  }

  pathsOf(id: string): ContainerPaths {
    return containerPaths(this.dirs, id);
  }

  /** The OCI runtime of the container's handler (exec for the streaming server). */
  runtimeOf(rec: ContainerRecord): OciRuntime {
    return this.o.runtimeFor(rec.runtimeHandler);
  }

  // ---- lifecycle ----

  /**
   * CreateContainer. `signal` is the caller's call: when it has gone by the
   * time the container exists (the kubelet's deadline expired), the id is
   * handed to the next request for the same name — which, if it comes while
   * this creation still runs, waits for it. A name whose holder was returned
   * to its caller stays reserved ("name is reserved").
   * `restore`: the container comes from a checkpoint archive extracted in
   * `restore.dir`; `prepareUpper` fills its writable layer (the rootfs diff)
   * before the rootfs is mounted, and StartContainer restores the process.
   */
  async create(podId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig | undefined, signal?: AbortSignal, restore?: RestoreInput): Promise<string> {
    const pod = this.o.pods.getPod(podId);
    if (!pod) throw notFound('cri', `pod sandbox "${podId}" not found`);
    if (!pod.ready) throw failedPrecondition('cri', `pod sandbox ${podId} is not ready`);
    const meta = config.metadata;
    if (!meta?.name) throw invalidArgument('cri', 'config.metadata.name is required');
    const imageRef = config.image?.image ?? '';
    if (!imageRef) throw invalidArgument('cri', 'config.image.image is required');
    const podMeta = pod.config.metadata;
    const name = [meta.name, podMeta?.name ?? '', podMeta?.namespace ?? '', podMeta?.uid ?? '', String(meta.attempt)].join('_');
    // A creation in flight holds the name before its record exists (the image is resolved first).
    while (this.names.has(name) || this.creations.pending(name)) {
      if (this.creations.pending(name)) this.o.log.info('CreateContainer retried while the first creation runs: waiting for it', { name });
      const handedOver = await this.creations.retry(name, signal);
      if (handedOver) {
        this.o.log.info('CreateContainer retry gets the container its first call created', { name, id: handedOver });
        return handedOver;
      }
      // Still held: a genuine duplicate. Free: the first creation failed (or was removed); create anew.
      const holder = this.names.get(name);
      if (holder) throw new BerthError(Code.AlreadyExists, 'cri', `container name "${name}" is reserved by container ${holder} in pod ${podId}; remove it first`);
    }
    return this.creations.run(name, () => this.createNamed(podId, name, config, sandboxConfig, pod, restore), signal);
  }

  private async createNamed(podId: string, name: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig | undefined, pod: PodView, restore?: RestoreInput): Promise<string> {
    const imageRef = config.image?.image ?? '';
    checkContainerStrings(config);
    const logDir = pod.config.logDirectory;
    // Relative to the pod's log directory, and staying in it (conmon creates whatever it names).
    const logPath = logDir && config.logPath ? pathInside(logDir, config.logPath, 'config.log_path') : '';
    const image = await this.o.images.resolveImage(imageRef);
    const id = randomBytes(32).toString('hex');
    const paths = this.pathsOf(id);
    const rec: ContainerRecord = {
      id,
      podId,
      name,
      configPb: Buffer.from(ContainerConfig.encode(config).finish()).toString('base64'),
      imageId: image.id,
      imageRef: image.ref,
      imageSpec: imageRef,
      runtimeHandler: pod.runtimeHandler,
      state: 'creating',
      createdAt: nowNs(),
      startedAt: '0',
      finishedAt: '0',
      exitCode: 0,
      reason: '',
      message: '',
      pid: 0,
      logPath,
      conmonLogPath: logPath || join(paths.bundle, 'container.log'),
      stopSignal: 'SIGTERM',
      user: { uid: 0, gid: 0, additionalGids: [] },
      resourcesJson: '{}',
      cgroupsPath: '',
    };
    this.names.set(name, id);
    this.records.set(id, rec);
    return this.lock.run(id, async () => {
      const steps = new StepTimer();
      let releaseWarmer: (() => void) | undefined;
      try {
        // From the start: the first warming write absorbs the kernel's grace period while the rootfs and spec are prepared.
        releaseWarmer = this.o.runtimeFor(rec.runtimeHandler).opts.warmer?.hold();
        await this.store.put(id, rec); // intent first: recovery can roll back
        steps.mark('intent');
        failpoint('container.after-intent');
        if (restore) {
          await mkdir(paths.upper, { recursive: true, mode: 0o755 });
          await restore.prepareUpper(paths.upper);
        }
        await mountRootfs(paths, image.lowerDirs, rootfsIdmap(pod));
        const volumes = await mountImageVolumes(paths, config, this.o.images);
        rec.imageVolumeIds = volumes.imageIds;
        steps.mark('rootfs');
        await failpointAsync('container.after-rootfs');
        const prepared = await this.o.prepareSpec({ id, config, sandboxConfig, pod, image, paths, imageMountSources: volumes.sources });
        steps.mark('spec');
        rec.user = prepared.user;
        rec.stopSignal = prepared.stopSignal;
        rec.resourcesJson = JSON.stringify(prepared.resources);
        rec.cgroupsPath = prepared.cgroupsPath;
        rec.sharedPidNamespace = sharesPidNamespace(prepared.spec);
        if (pod.namespaces.pid && pidNamespacePath(prepared.spec) === pod.namespaces.pid) rec.inPodPidNamespace = true;
        await this.writeBundle(paths, prepared.spec, rec);
        steps.mark('bundle');
        const runtime = this.o.runtimeFor(rec.runtimeHandler);
        if (restore) rec.restoreFrom = restore.dir;
        else rec.pid = (await this.monitor(rec, config)).pid;
        releaseWarmer?.();
        steps.mark('conmon+create');
        failpoint('container.after-conmon');
        rec.state = 'created';
        failpoint('container.before-persist');
        await this.store.put(id, rec);
        steps.mark('persist');
        if (!restore) void this.watchOom(rec);
        this.o.log.info('container created', { id, pod: podId, name, ms: steps.done() });
        this.o.onChange?.(rec, 'created');
        return id;
      } catch (e) {
        releaseWarmer?.();
        await this.rollbackCreate(rec).catch((re: unknown) => this.o.log.error('rollback of failed create failed', { id, error: errorMessage(re) }));
        // The pod stopped under us (its namespaces went away mid-create): that is the
        // caller's precondition failing, not an internal error of the runtime.
        if (!(e instanceof BerthError && e.code === Code.FailedPrecondition) && !this.o.pods.getPod(podId)?.ready) {
          throw failedPrecondition('cri', `pod sandbox ${podId} stopped while container ${name} was being created (${errorMessage(e)})`);
        }
        throw e;
      }
    });
  }

  /** The monitor (conmon or berth-mon) → `<runtime> create` (or `restore` from CRIU images); resolves with the container's init pid. */
  private monitor(rec: ContainerRecord, config: ContainerConfig, restorePath?: string): Promise<{ pid: number }> {
    const id = rec.id;
    const name = rec.name;
    const paths = this.pathsOf(id);
    const runtime = this.o.runtimeFor(rec.runtimeHandler);
    return monitorCreate(this.o.monitor, {
      runtimePath: runtime.opts.path,
      runtimeArgs: runtime.globalArgs,
      conmonArgs: this.o.cgroups.conmonArgs(),
      beforeStart: (pid) => this.o.cgroups.placeMonitor(pid, id),
      id,
      name,
      bundle: paths.bundle,
      logPath: rec.conmonLogPath,
      exitDir: this.dirs.exits,
      persistDir: paths.persistDir,
      socketDir: this.dirs.sockets,
      terminal: config.tty,
      stdin: config.stdin,
      stdinOnce: config.stdinOnce,
      warmer: runtime.opts.warmer,
      restorePath,
    });
  }

  async start(idOrPrefix: string): Promise<void> {
    const id = this.resolve(idOrPrefix).id;
    await this.lock.run(id, async () => {
      const rec = this.mustGet(id);
      if (rec.state !== 'created') throw failedPrecondition('cri', `container ${id} is ${rec.state}, not created: cannot start`);
      const pod = this.o.pods.getPod(rec.podId);
      if (!pod?.ready) throw failedPrecondition('cri', `pod sandbox ${rec.podId} of container ${id} is not ready`);
      // Taken before the start: a process that exits at once must not look finished before it started.
      const startedAt = nowNs();
      try {
        if (rec.restoreFrom) {
          // A container from a checkpoint: conmon runs `runc restore`; CRIU brings the processes back running.
          rec.pid = (await phase('runtime restore', this.monitor(rec, this.configOf(rec), join(rec.restoreFrom, 'checkpoint')))).pid;
          const dir = rec.restoreFrom;
          delete rec.restoreFrom;
          await rm(dir, { recursive: true, force: true });
          void this.watchOom(rec);
        } else await phase('runtime start', this.o.runtimeFor(rec.runtimeHandler).start(id));
        failpoint('container.start.after-runc');
      } catch (e) {
        // The container may have exited at once; its exit file tells.
        const ev = await this.exits.read(id);
        if (ev) await this.markExited(rec, ev);
        if (!(e instanceof BerthError && e.code === Code.FailedPrecondition) && !this.o.pods.getPod(rec.podId)?.ready) {
          throw failedPrecondition('cri', `pod sandbox ${rec.podId} stopped while container ${id} was being started (${errorMessage(e)})`);
        }
        throw e;
      }
      rec.startedAt = startedAt;
      if (rec.state === 'created') rec.state = 'running';
      else if (BigInt(rec.finishedAt) < BigInt(startedAt)) rec.finishedAt = startedAt; // exited already
      await this.store.put(id, rec);
      this.o.onChange?.(rec, 'started');
    });
  }

  /** Stops a running container: stop signal, wait `timeoutSec`, then SIGKILL. Exited/created containers: no-op. */
  /** `pidNamespaceEnded`: the shared PID namespace it runs in lost its init (SandboxManager.stop); its exit comes by itself. */
  async stop(idOrPrefix: string, timeoutSec: number, opts: { pidNamespaceEnded?: boolean } = {}): Promise<void> {
    const id = this.resolve(idOrPrefix).id;
    await this.lock.run(id, () => this.stopLocked(id, timeoutSec, opts.pidNamespaceEnded === true));
  }

  async remove(idOrPrefix: string): Promise<void> {
    const rec = this.records.get(idOrPrefix) ?? this.tryResolve(idOrPrefix);
    if (!rec) return; // removing what is gone is fine (CRI: idempotent)
    await this.lock.run(rec.id, async () => {
      if (!this.records.has(rec.id)) return;
      if (rec.state === 'running' || rec.state === 'unknown') await this.stopLocked(rec.id, 0);
      const runtime = this.o.runtimeFor(rec.runtimeHandler);
      await runtime.delete(rec.id, { force: true });
      this.stopOomWatch(rec.id);
      await this.o.cgroups.cleanup(rec.id);
      await removeContainerFiles(this.pathsOf(rec.id));
      if (rec.restoreFrom) await rm(rec.restoreFrom, { recursive: true, force: true });
      await rm(join(this.dirs.exits, rec.id), { force: true });
      await rm(join(this.dirs.sockets, rec.id), { force: true }); // conmon's attach link
      await this.store.delete(rec.id);
      this.exits.forget(rec.id);
      this.records.delete(rec.id);
      if (this.names.get(rec.name) === rec.id) {
        this.names.delete(rec.name);
        this.creations.forget(rec.name);
      }
      this.o.onChange?.(rec, 'deleted');
    });
  }

  /** `signal` aborted (the client gave up) kills the process. */
  async execSync(idOrPrefix: string, cmd: readonly string[], timeoutSec: number, signal?: AbortSignal): Promise<ExecSyncResult> {
    const rec = this.resolve(idOrPrefix);
    if (cmd.length === 0 || !cmd[0]) throw invalidArgument('cri', 'cmd is empty');
    checkArgv(cmd, 'cmd');
    if (timeoutSec < 0) throw invalidArgument('cri', `timeout must not be negative (got ${timeoutSec})`);
    if (rec.state !== 'running') throw failedPrecondition('cri', `container ${rec.id} is ${rec.state}, not running: cannot exec`);
    return execSync(this.o.runtimeFor(rec.runtimeHandler), rec.id, cmd, timeoutSec, this.pathsOf(rec.id).bundle, signal);
  }

  /**
   * CRIU checkpoint of a running container (it keeps running) into `imagePath`;
   * the caller packs the archive (src/cri/checkpoint-service.ts).
   */
  async checkpoint(idOrPrefix: string, o: { imagePath: string; workPath: string; timeoutMs?: number }): Promise<ContainerRecord> {
    const id = this.resolve(idOrPrefix).id;
    return this.lock.run(id, async () => {
      const rec = this.mustGet(id);
      if (rec.state !== 'running') throw failedPrecondition('cri', `container ${id} is ${rec.state}, not running: cannot checkpoint`);
      await this.o.runtimeFor(rec.runtimeHandler).checkpoint(id, { ...o, leaveRunning: true });
      return rec;
    });
  }

  /** Applies new linux resources to a running or created container and records them. */
  async updateResources(idOrPrefix: string, linux: LinuxContainerResources): Promise<void> {
    const resources = this.o.ociResources(linux);
    const id = this.resolve(idOrPrefix).id;
    await this.lock.run(id, async () => {
      const rec = this.mustGet(id);
      if (rec.state !== 'running' && rec.state !== 'created') {
        throw failedPrecondition('cri', `container ${id} is ${rec.state}: cannot update resources`);
      }
      await this.o.runtimeFor(rec.runtimeHandler).update(id, resources);
      rec.resourcesJson = JSON.stringify(mergeResources(JSON.parse(rec.resourcesJson) as Record<string, unknown>, resources as Record<string, unknown>));
      await this.store.put(id, rec);
    });
  }

  /** Waits until the container has exited or `ms` passed; true when exited. */
  waitExit(id: string, ms: number): Promise<boolean> {
    const rec = this.records.get(id);
    if (!rec || rec.state === 'exited') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.set(id, (this.waiters.get(id) ?? []).filter((w) => w !== done));
        resolve(false);
      }, ms);
      this.waiters.set(id, [...(this.waiters.get(id) ?? []), done]);
    });
  }

  // ---- internals ----

  private async stopLocked(id: string, timeoutSec: number, pidNamespaceEnded = false): Promise<void> {
    const rec = this.mustGet(id);
    if (rec.state !== 'running' && rec.state !== 'unknown') return;
    const runtime = this.o.runtimeFor(rec.runtimeHandler);
    // The kernel kills a PID namespace's processes when its init dies: no signal of ours is needed
    // unless that did not end the container (then the usual path below).
    if (pidNamespaceEnded && rec.inPodPidNamespace && (await this.waitExitOrFile(id, INIT_KILL_WAIT_MS))) return;
    if (timeoutSec > 0) {
      await runtime.kill(id, rec.stopSignal).catch((e: unknown) => this.o.log.debug('stop signal not delivered', { id, error: errorMessage(e) }));
      if (await this.waitExitOrFile(id, timeoutSec * 1000)) return;
    }
    // With its own PID namespace, SIGKILL to the container's init ends all of
    // it at once. Sharing one (pod or node), its other processes would survive
    // their init: they are all killed, which on cgroup v1 goes through the
    // freezer and is slower, so only then.
    if (rec.sharedPidNamespace === false) {
      await runtime.kill(id, 'KILL').catch((e: unknown) => this.o.log.debug('SIGKILL not delivered', { id, error: errorMessage(e) }));
      if (await this.waitExitOrFile(id, INIT_KILL_WAIT_MS)) return;
    }
    await runtime.kill(id, 'KILL', { all: true }).catch((e: unknown) => this.o.log.debug('SIGKILL --all not delivered', { id, error: errorMessage(e) }));
    if (await this.waitExitOrFile(id, STOP_KILL_GRACE_MS)) return;
    throw new BerthError(Code.DeadlineExceeded, 'runtime', `container ${id} did not exit ${STOP_KILL_GRACE_MS / 1000}s after SIGKILL`);
  }

  /** Exit event, with a direct look at the exit file so a missed inotify event cannot stall a stop. */
  private async waitExitOrFile(id: string, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await this.waitExit(id, Math.min(250, deadline - Date.now()))) return true;
      const ev = await this.exits.read(id);
      if (ev) {
        await this.onExit(ev);
        return true;
      }
    }
    return this.records.get(id)?.state === 'exited';
  }

  private async onExit(ev: ExitEvent): Promise<void> {
    const rec = this.records.get(ev.id);
    if (!rec || rec.state === 'exited') return;
    await this.markExited(rec, ev);
  }

  /** One exit handling per container, however many paths notice the exit. */
  private markExited(rec: ContainerRecord, ev: ExitEvent): Promise<void> {
    let p = this.exiting.get(rec.id);
    if (!p) {
      p = this.doMarkExited(rec, ev).finally(() => this.exiting.delete(rec.id));
      this.exiting.set(rec.id, p);
    }
    return p;
  }

  private async doMarkExited(rec: ContainerRecord, ev: ExitEvent): Promise<void> {
    if (rec.state === 'exited') return;
    const paths = this.pathsOf(rec.id);
    const oom =
      (await pathExists(join(paths.persistDir, 'oom'))) || (await pathExists(join(paths.bundle, 'oom'))) || (await this.o.cgroups.oomKilled(rec.cgroupsPath).catch(() => false));
    this.stopOomWatch(rec.id);
    // Before the state flips, whoever sees EXITED must see a complete log:
    // conmon writes the exit file before it drains the last output, so wait
    // for conmon to finish, then close a dangling partial line.
    await waitForPidExit(await readPid(join(paths.bundle, 'conmon-pidfile')), CONMON_DRAIN_MS);
    await terminatePartialLine(rec.conmonLogPath).catch(() => false);
    rec.state = 'exited';
    rec.exitCode = ev.exitCode;
    rec.finishedAt = (rec.startedAt !== '0' && ev.finishedAtNs < BigInt(rec.startedAt) ? BigInt(rec.startedAt) : ev.finishedAtNs).toString();
    rec.reason = oom ? 'OOMKilled' : ev.exitCode === 0 ? 'Completed' : 'Error';
    await this.store.put(rec.id, rec).catch((e: unknown) => this.o.log.error('cannot persist exit', { id: rec.id, error: errorMessage(e) }));
    for (const w of this.waiters.get(rec.id) ?? []) w();
    this.waiters.delete(rec.id);
    this.o.onChange?.(rec, 'stopped');
  }

  private async writeBundle(paths: ContainerPaths, spec: object, rec: ContainerRecord): Promise<void> {
    await mkdir(paths.persistDir, { recursive: true, mode: 0o700 });
    await writeFile(join(paths.bundle, 'config.json'), JSON.stringify(spec), { mode: 0o600 });
    if (rec.logPath) await mkdir(dirname(rec.logPath), { recursive: true, mode: 0o755 });
  }

  private async rollbackCreate(rec: ContainerRecord): Promise<void> {
    await this.o.runtimeFor(rec.runtimeHandler).delete(rec.id, { force: true }).catch(() => undefined);
    this.stopOomWatch(rec.id);
    await this.o.cgroups.cleanup(rec.id).catch(() => undefined);
    await removeContainerFiles(this.pathsOf(rec.id));
    if (rec.restoreFrom) await rm(rec.restoreFrom, { recursive: true, force: true });
    await rm(join(this.dirs.exits, rec.id), { force: true });
    await rm(join(this.dirs.sockets, rec.id), { force: true });
    await this.store.delete(rec.id);
    this.records.delete(rec.id);
    if (this.names.get(rec.name) === rec.id) this.names.delete(rec.name);
  }

  /** After a restart: finish or roll back whatever the record says was in flight. */
  private async recover(rec: ContainerRecord): Promise<void> {
    if (rec.state === 'creating') {
      this.o.log.info('rolling back container left half-created', { id: rec.id });
      this.records.set(rec.id, rec);
      this.names.set(rec.name, rec.id);
      await this.rollbackCreate(rec).catch((e: unknown) => this.o.log.error('rollback failed', { id: rec.id, error: errorMessage(e) }));
      return;
    }
    this.records.set(rec.id, rec);
    this.names.set(rec.name, rec.id);
    if (rec.state === 'exited') return;
    const ev = await this.exits.read(rec.id);
    if (ev) {
      await this.markExited(rec, ev);
      return;
    }
    const st = await this.o.runtimeFor(rec.runtimeHandler).stateOrUndefined(rec.id).catch(() => undefined);
    if (!st || st.status === 'stopped') {
      // Gone without an exit file (e.g. /run was wiped by a reboot).
      rec.state = 'exited';
      rec.exitCode = 255;
      rec.reason = 'Unknown';
      rec.message = 'container state was lost (berthd found no runtime state or exit code after a restart)';
      rec.finishedAt = rec.finishedAt === '0' ? nowNs() : rec.finishedAt;
      await this.store.put(rec.id, rec);
      return;
    }
    if (st.status === 'running' && rec.state === 'created') {
      rec.state = 'running';
      rec.startedAt = nowNs();
      await this.store.put(rec.id, rec);
    }
    await this.watchOom(rec);
  }

  /**
   * Watches the container's cgroup for OOM kills while it has a process and
   * leaves conmon's `oom` file when one is counted: a systemd scope vanishes
   * with its last process, so at exit there may be nothing left to read.
   */
  private async watchOom(rec: ContainerRecord): Promise<void> {
    if (this.oomWatches.has(rec.id) || !rec.cgroupsPath) return;
    const persistDir = this.pathsOf(rec.id).persistDir;
    const stop = await this.o.cgroups.watchOom(rec.cgroupsPath, () => {
      void writeFile(join(persistDir, 'oom'), '', { flag: 'a' }).catch(() => undefined);
    }).catch(() => undefined);
    if (!stop) return;
    if (!this.records.has(rec.id) || rec.state === 'exited') stop();
    else this.oomWatches.set(rec.id, stop);
  }

  private stopOomWatch(id: string): void {
    this.oomWatches.get(id)?.();
    this.oomWatches.delete(id);
  }

  /** conmon's attach links (containers' and pod infras') whose bundle is gone: their owner was removed while berthd was down. */
  private async sweepSocketLinks(): Promise<void> {
    for (const name of await readdir(this.dirs.sockets).catch(() => [])) {
      const link = join(this.dirs.sockets, name);
      await stat(link).catch(async (e: unknown) => {
        if (errnoCode(e) === 'ENOENT') await rm(link, { force: true });
      });
    }
  }

  private mustGet(id: string): ContainerRecord {
    const rec = this.records.get(id);
    if (!rec) throw notFound('cri', `container "${id}" not found`);
    return rec;
  }

  private tryResolve(idOrPrefix: string): ContainerRecord | undefined {
    try {
      return this.resolve(idOrPrefix);
    } catch (e) {
      if (e instanceof BerthError && e.code === Code.NotFound) return undefined;
      throw e;
    }
  }
}

/** Pure: the spec joins an existing PID namespace (the pod's, a target's) or uses the node's. */
function pidNamespaceOf(spec: object): { type: string; path?: string } | undefined {
  const namespaces = (spec as { linux?: { namespaces?: { type: string; path?: string }[] } }).linux?.namespaces ?? [];
  return namespaces.find((n) => n.type === 'pid');
}

export function sharesPidNamespace(spec: object): boolean {
  const pid = pidNamespaceOf(spec);
  return !pid || Boolean(pid.path);
}

/** The PID namespace a spec joins by path; undefined for a new one or the host's. */
export function pidNamespacePath(spec: object): string | undefined {
  return pidNamespaceOf(spec)?.path;
}

/** What runc update leaves in force: new values over old ones, per controller (cpu, memory …). */
export function mergeResources(old: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...old };
  for (const [k, v] of Object.entries(update)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? { ...prev, ...v } : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The rootfs idmapping of a container in a user-namespaced pod; undefined otherwise. */
function rootfsIdmap(pod: PodView): RootfsIdmap | undefined {
  if (!pod.userns || !pod.namespaces.user) return undefined;
  const rootUid = hostIdOf(pod.userns.uids, 0);
  const rootGid = hostIdOf(pod.userns.gids, 0);
  // planUserns guarantees container ID 0 is mapped.
  if (rootUid === undefined || rootGid === undefined) return undefined;
  return { usernsPin: pod.namespaces.user, rootUid, rootGid };
}
