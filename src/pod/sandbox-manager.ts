// The pod sandbox lifecycle. RunPodSandbox is a short list of steps, each
// undone by release() when a later one fails; the intent is persisted before
// the first step and the result after the last, so a crash at any point is
// rolled back (or the removal finished) by recover() on the next start.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PodSandboxConfig } from '../api/gen/api.js';
import type { BerthConfig } from '../config/schema.js';
import { BerthError, Code, errorMessage, failedPrecondition, invalidArgument } from '../util/errors.js';
import { CreationTracker } from '../util/creation-tracker.js';
import { failpoint } from '../util/failpoint.js';
import type { Logger } from '../util/log.js';
import { parseQuantity } from '../util/quantity.js';
import { ensureDir } from '../store/atomic-file.js';
import { phase } from '../observe/op.js';
import { addNetwork, cniIpRanges, delNetwork, podCniArgs, podIpsFromResult, type AttachmentRequest } from './cni/network-setup.js';
import type { NetworkWatch } from './cni/network-watch.js';
import { mountTmpfs, unmountAll } from './mounts.js';
import { applySysctls, ensureNsRoot, livePins, NS_KINDS, nsPinPaths, nsRoot, pinNamespaces, removePinFiles, unpinNamespaces } from './namespaces.js';
import { bootId, nodeHostname, nodeIps } from './node-info.js';
import {
  createPodDir,
  hostsContent,
  podFilePaths,
  readHostFile,
  removePodDir,
  resolvConfContent,
  writePodFile,
} from './pod-files.js';
import { podView, type PodViewData } from './pod-view.js';
import { NS_NODE, planPod, podKey, type PodPlan } from './sandbox-plan.js';
import { SandboxStore, type InfraRecord, type PodRecord } from './sandbox-store.js';

/** The containers of a pod; registered by the container subsystem (which depends on pods, not the reverse). */
export interface PodMembers {
  /**
   * Stops every container of the pod, honouring their stop timeouts.
   * `pidNamespaceEnded`: the pod's shared PID namespace has lost its init, so the kernel is killing
   * every process in it; the containers' exits are awaited before any runtime kill.
   */
  stopAll(podId: string, opts?: { pidNamespaceEnded?: boolean }): Promise<void>;
  /** Force-removes every container of the pod. */
  removeAll(podId: string): Promise<void>;
}

/** Starts and stops the infra process (catatonit -P) holding a pod's shared PID namespace. */
export interface InfraRunner {
  /** Where the infra container will be (no side effects): recorded in the intent so a crash can undo it. */
  plan(pod: PodRecord): InfraRecord;
  /** Creates and starts it; resolves with its pid. */
  start(pod: PodRecord, infra: InfraRecord): Promise<number>;
  /** Idempotent: a gone process or container is fine. */
  stop(infra: InfraRecord): Promise<void>;
  /**
   * SIGKILL to the infra, the init of the pod's PID namespace (so the kernel kills every process in it);
   * true once it is gone, false when it could not be signalled as ours (stop() still ends it).
   */
  kill(infra: InfraRecord): Promise<boolean>;
  isRunning(infra: InfraRecord): Promise<boolean>;
  /** Calls back with the pod id when an infra process exits; returns the unwatch function. */
  watchExits(onExit: (podId: string) => void): () => void;
  /** Drops the exit report of a stopped infra. */
  forgetExit(infra: InfraRecord): Promise<void>;
  /** Pod ids with an exit report. */
  reportedExits(): Promise<string[]>;
}

export interface SandboxManagerOptions {
  config: BerthConfig;
  log: Logger;
  network: NetworkWatch;
  /** UpdateRuntimeConfig's pod CIDR, read at each RunPodSandbox. */
  runtimeConfig: { podCidr: string };
  infra: InfraRunner | undefined;
  /** Whether a handler can run user-namespaced pods (its Status feature), and why not. */
  userns?: (handler: string) => { ok: boolean; why?: string };
  /** The pod's cgroup parent from the request's (CgroupManager.podParent). */
  cgroupParent(requested: string): string;
  /** Why a configured handler cannot run anything (its binary is missing); undefined when it can. */
  runtimeProblem?: (handler: string) => string | undefined;
}

export interface RunRequest {
  config: PodSandboxConfig | undefined;
  runtimeHandler: string;
}

const HOST_RESOLV_CONF = '/etc/resolv.conf';
const HOST_HOSTS = '/etc/hosts';
const CNI_IFNAME = 'eth0';

export class SandboxManager {
  readonly store: SandboxStore;
  /** RunPodSandbox retries (same name/namespace/uid/attempt) wait for the creation in flight; shared with containers. */
  private readonly creations = new CreationTracker();
  private readonly locks = new Map<string, Promise<unknown>>();
  private members: PodMembers | undefined;
  private readonly state: string;
  private readonly shmBytes: number;
  private boot = '';
  private unwatch: (() => void) | undefined;
  private nsRootReady: Promise<void> | undefined;

  constructor(private readonly o: SandboxManagerOptions) {
    this.store = new SandboxStore(o.config.storage.root);
    this.state = o.config.storage.state;
    this.shmBytes = parseQuantity(o.config.pod.shm_size) ?? 64 * 2 ** 20;
  }

  setMembers(m: PodMembers): void {
    this.members = m;
  }

  /** Loads the records and brings every pod to a consistent phase; call before serving. */
  async init(): Promise<void> {
    this.boot = await bootId();
    const { records, corrupt } = await this.store.load();
    for (const id of corrupt) {
      this.o.log.error('unreadable pod record dropped', { pod: id });
      await this.store.deleteCorrupt(id);
    }
    for (const rec of records) {
      try {
        await this.recover(rec);
      } catch (e) {
        this.o.log.error('pod recovery failed', { pod: rec.id, error: errorMessage(e) });
      }
    }
    await this.sweepOrphans();
    this.unwatch = this.o.infra?.watchExits((id) => this.onInfraExit(id));
  }

  close(): void {
    this.unwatch?.();
  }

  /** An infra process died under a ready pod: the pod is NOTREADY (the kubelet then stops it and makes a new one). */
  private onInfraExit(id: string): void {
    const rec = this.store.get(id);
    if (!rec || rec.phase !== 'ready' || !rec.infra || rec.infra.released || this.locks.has(id)) return;
    this.o.log.warn('infra process exited; pod is NOTREADY', { pod: id });
    rec.phase = 'stopped';
    rec.error = 'the infra process exited';
    this.store.put(rec).catch((e: unknown) => this.o.log.error('cannot record pod state', { pod: id, error: errorMessage(e) }));
  }

  /** RunPodSandbox: a retry with the same name/namespace/uid/attempt gets the same pod (or waits for it). */
  async run(req: RunRequest): Promise<string> {
    const plan = planPod(req.config, req.runtimeHandler, {
      handlers: Object.keys(this.o.config.runtime.handlers),
      defaultHandler: this.o.config.runtime.default_handler,
      nodeHostname: nodeHostname(),
      cgroupParent: (r) => this.o.cgroupParent(r),
      userns: this.o.userns,
    });
    // Refused before anything is made: a pod on a handler without a binary could not run a container either.
    const problem = this.o.runtimeProblem?.(plan.runtimeHandler);
    if (problem) throw failedPrecondition('cri', `runtime_handler: ${problem}`);
    const pending = this.creations.pending(plan.key);
    if (pending) return pending;
    // Unlike a container name, a ready pod is handed to every retry: RunPodSandbox is idempotent.
    for (const r of this.store.all()) {
      if (r.phase === 'ready' && podKey(r.metadata) === plan.key) return r.id;
    }
    return this.creations.run(plan.key, () => this.create(plan, req.config as PodSandboxConfig));
  }

  /** StopPodSandbox: releases everything but the record and the pod's files. Unknown ids are fine. */
  async stop(idOrPrefix: string): Promise<void> {
    const rec = this.lookup(idOrPrefix);
    if (!rec) return;
    await this.withLock(rec.id, async () => {
      if (!this.store.get(rec.id)) return;
      // A pod whose removal failed half-way stays 'removing', but a stop still releases what it holds.
      const phase = rec.phase === 'removing' ? 'removing' : 'stopped';
      if (rec.phase !== phase) {
        // Intent first: a crash from here on must leave a NOTREADY pod (recovery finishes the release),
        // not a READY one whose containers or network the stop already took.
        rec.phase = phase;
        await this.store.put(rec);
      }
      try {
        // Sharing a PID namespace, every process of the pod ends with its init: one signal to the infra
        // first, instead of a freezer-wide `runc kill --all` per container (measured: bench/RESULTS.md).
        const infra = rec.infra && !rec.infra.released ? rec.infra : undefined;
        const pidNamespaceEnded = infra && this.o.infra ? await this.o.infra.kill(infra).catch(() => false) : false;
        // A pod stop kills its containers without grace, and nothing in a dying pod needs its network:
        // CNI DEL runs while they go rather than after them. A failed DEL is retried by release().
        const [stopped] = await Promise.allSettled([this.members?.stopAll(rec.id, { pidNamespaceEnded }), this.detachNetwork(rec)]);
        failpoint('pod.stop.after-containers');
        if (stopped.status === 'rejected') throw stopped.reason;
        await this.release(rec);
        delete rec.error;
      } catch (e) {
        rec.error = errorMessage(e);
        throw e;
      } finally {
        rec.phase = phase;
        await this.store.put(rec);
      }
    });
  }

  /** RemovePodSandbox: containers, resources, files and record. Unknown ids are fine. */
  async remove(idOrPrefix: string): Promise<void> {
    const rec = this.lookup(idOrPrefix);
    if (!rec) return;
    await this.withLock(rec.id, async () => {
      if (!this.store.get(rec.id)) return;
      await this.members?.removeAll(rec.id);
      rec.phase = 'removing';
      await this.store.put(rec);
      await this.release(rec);
      failpoint('pod.remove.mid');
      if (rec.infra) await this.o.infra?.forgetExit(rec.infra);
      await removePodDir(rec.files);
      await this.store.delete(rec.id);
    });
  }

  /** The pod by id or unique id prefix (NotFound / InvalidArgument otherwise). */
  get(idOrPrefix: string): PodRecord {
    const rec = this.lookup(idOrPrefix);
    if (!rec) throw new BerthError(Code.NotFound, 'cri', `pod sandbox "${idOrPrefix}" not found`);
    return rec;
  }

  /** What a container needs from its pod (src/container's PodLookup); exact ids only. */
  getPod(id: string): PodViewData | undefined {
    const r = this.store.get(id);
    return r && r.phase !== 'creating' ? podView(r) : undefined;
  }

  /** Pods the CRI shows: not those still being created (their id is not known to anyone yet). */
  list(): PodRecord[] {
    return [...this.store.all()].filter((r) => r.phase !== 'creating');
  }

  private lookup(idOrPrefix: string): PodRecord | undefined {
    if (!idOrPrefix) throw invalidArgument('cri', 'pod sandbox id is required');
    const r = this.store.resolve(idOrPrefix);
    if (r === 'ambiguous') throw invalidArgument('cri', `pod sandbox id prefix "${idOrPrefix}" matches several pods`);
    return r;
  }

  private async create(plan: PodPlan, config: PodSandboxConfig): Promise<string> {
    const rec = await this.intent(plan, config);
    return this.withLock(rec.id, async () => {
      const ms: Record<string, number> = {};
      const start = performance.now();
      try {
        await timed(ms, 'intent', this.store.put(rec));
        failpoint('pod.after-intent');
        await this.setUp(rec, plan, ms);
        failpoint('pod.before-ready');
        rec.phase = 'ready';
        await timed(ms, 'persist', this.store.put(rec));
        ms.total = Math.round(performance.now() - start);
        this.o.log.info('pod ready', { pod: rec.id, name: plan.metadata.name, namespace: plan.metadata.namespace, ips: rec.ips, ms });
        return rec.id;
      } catch (e) {
        throw await this.rollback(rec, e);
      }
    });
  }

  /** The record as it will be, written before anything is created (with the network to DEL on a crash). */
  private async intent(plan: PodPlan, config: PodSandboxConfig): Promise<PodRecord> {
    const id = randomBytes(32).toString('hex');
    const rec: PodRecord = {
      id,
      metadata: plan.metadata,
      labels: plan.labels,
      annotations: plan.annotations,
      config: PodSandboxConfig.toJSON(config),
      runtimeHandler: plan.runtimeHandler,
      createdAt: (BigInt(Date.now()) * 1_000_000n).toString(),
      phase: 'creating',
      bootId: this.boot,
      namespaces: plan.namespaces,
      pins: nsPinPaths(this.state, id, plan.ownNamespaces),
      hostname: plan.hostname,
      files: podFilePaths(this.state, id),
      ownShm: plan.namespaces.ipc !== NS_NODE,
      cgroupParent: plan.cgroupParent,
      ips: [],
      ...(plan.userns ? { userns: plan.userns } : {}),
    };
    if (plan.needsInfra) {
      if (!this.o.infra) throw failedPrecondition('runtime', 'the pod shares a PID namespace (pid: POD) but no infra process can be run: conmon or catatonit is missing');
      rec.infra = this.o.infra.plan(rec);
    }
    if (!plan.hostNetwork) {
      const net = await this.o.network.get();
      if (!net.network) throw failedPrecondition('network', `no usable CNI network: ${net.message ?? 'unknown reason'}`);
      rec.network = {
        list: net.network.list,
        file: net.network.file,
        ifName: CNI_IFNAME,
        runtimeConfig: this.runtimeConfig(plan),
        // DEL is due from the moment ADD may start: a crash mid-ADD must release what it allocated.
        attached: true,
      };
    }
    return rec;
  }

  private runtimeConfig(plan: PodPlan): Record<string, unknown> {
    const rt: Record<string, unknown> = {
      portMappings: plan.portMappings,
      'io.kubernetes.cri.pod-annotations': plan.annotations,
    };
    if (plan.bandwidth) rt.bandwidth = plan.bandwidth;
    const ranges = cniIpRanges(this.o.runtimeConfig.podCidr);
    if (ranges) rt.ipRanges = ranges;
    return rt;
  }

  // ---- the steps -------------------------------------------------------

  /** `ms` collects each step's duration (for the log: where a slow RunPodSandbox spent its time). */
  private async setUp(rec: PodRecord, plan: PodPlan, ms: Record<string, number>): Promise<void> {
    // Made on first use: a berthd that never runs a pod leaves no mount behind.
    this.nsRootReady ??= ensureNsRoot(this.state).catch((e: unknown) => {
      this.nsRootReady = undefined;
      throw e;
    });
    await Promise.all([this.nsRootReady, createPodDir(rec.files)]);
    // The network waits only for the namespaces (CNI is the longest step); the files
    // (shm mount, resolv.conf) go on beside it, and the infra process needs both.
    const namespaces = timed(ms, 'namespaces', pinNamespaces(rec.pins, { hostname: rec.hostname, userns: rec.userns })).then(() => failpoint('pod.after-namespaces'));
    const files = timed(ms, 'files', this.writeStaticFiles(rec, plan));
    const network = namespaces
      .then(() => timed(ms, 'cni', this.attachNetwork(rec)))
      .then(() => timed(ms, 'sysctls', applySysctls(rec.pins, plan.sysctls)))
      .then(() => this.writeHosts(rec, plan));
    const infra = Promise.all([namespaces, files]).then(() => timed(ms, 'infra', this.startInfra(rec)));
    await settleAll([files, network, infra]);
  }

  private async writeStaticFiles(rec: PodRecord, plan: PodPlan): Promise<void> {
    const hostResolv = plan.dns && plan.dns.servers.length + plan.dns.searches.length + plan.dns.options.length > 0 ? '' : await readHostFile(HOST_RESOLV_CONF);
    await Promise.all([
      writePodFile(rec.files.hostname, `${rec.hostname}\n`),
      writePodFile(rec.files.resolvConf, resolvConfContent(plan.dns, hostResolv)),
      rec.ownShm ? ensureDir(rec.files.shm, 0o755).then(() => mountTmpfs(rec.files.shm, { sizeBytes: this.shmBytes, mode: 0o1777 })) : undefined,
    ]);
  }

  private async writeHosts(rec: PodRecord, plan: PodPlan): Promise<void> {
    const hostHosts = plan.hostNetwork ? await readHostFile(HOST_HOSTS) : '';
    await writePodFile(rec.files.hosts, hostsContent({ hostname: rec.hostname, ips: rec.ips, hostNetwork: plan.hostNetwork, hostHosts }));
  }

  private async attachNetwork(rec: PodRecord): Promise<void> {
    const net = rec.network;
    if (!net) {
      rec.ips = nodeIps();
      return;
    }
    const result = await addNetwork(this.attachment(rec, rec.pins.net ?? ''));
    net.result = result;
    failpoint('pod.after-cni');
    rec.ips = podIpsFromResult(result);
    if (rec.ips.length === 0) throw new BerthError(Code.Internal, 'network', `network "${net.list.name}": the CNI result gives the pod no IP address`);
  }

  private async detachNetwork(rec: PodRecord): Promise<void> {
    const net = rec.network;
    if (!net?.attached) return;
    // A netns that is gone (reboot, crash) is passed as '': plugins then release what lives outside it.
    const live = await livePins({ net: rec.pins.net });
    await delNetwork(this.attachment(rec, live.net ?? ''), net.result);
    failpoint('pod.after-cni-del');
    net.attached = false;
  }

  private attachment(rec: PodRecord, netns: string): AttachmentRequest {
    const net = rec.network as NonNullable<PodRecord['network']>;
    return {
      list: net.list,
      binDirs: this.o.config.network.bin_dirs,
      containerId: rec.id,
      netns,
      ifName: net.ifName,
      args: podCniArgs({ namespace: rec.metadata.namespace, name: rec.metadata.name, podId: rec.id, uid: rec.metadata.uid }),
      runtimeConfig: net.runtimeConfig,
    };
  }

  private async startInfra(rec: PodRecord): Promise<void> {
    if (!rec.infra || !this.o.infra) return;
    rec.infra.released = false;
    rec.infra.pid = await this.o.infra.start(rec, rec.infra);
  }

  private async stopInfra(rec: PodRecord): Promise<void> {
    if (!rec.infra || rec.infra.released) return;
    if (!this.o.infra) throw failedPrecondition('runtime', `cannot stop the infra process of pod ${rec.id}: conmon or catatonit is missing`);
    await this.o.infra.stop(rec.infra);
    delete rec.infra.pid;
    rec.infra.released = true;
    await this.o.infra.forgetExit(rec.infra);
  }

  /**
   * Undoes every step; each part is idempotent and runs even when another fails.
   * `final`: the record is dropped whatever happens (rollback), so nothing is kept for a retry.
   */
  private async release(rec: PodRecord, final = false): Promise<void> {
    const failures: unknown[] = [];
    const step = async (f: () => Promise<void>): Promise<void> => {
      try {
        await f();
      } catch (e) {
        failures.push(e);
      }
    };
    // The infra and the network go independently (DEL does not need the infra gone; both are slow tools).
    await Promise.all([step(() => this.stopInfra(rec)), step(() => this.detachNetwork(rec))]);
    // The netns outlives a failed DEL: the retry needs it, or the bridge plugin (DEL without a netns
    // releases only the IP) would leave the pod's masquerade rules behind for good.
    const pins = rec.network?.attached && !final ? { ...rec.pins, net: undefined } : rec.pins;
    // One umount (one berth-sys run) for the pins and shm, then the pin files; only after a failed
    // umount are the pins tried again on their own.
    await step(async () => {
      try {
        await unmountAll([...NS_KINDS.map((k) => pins[k]).filter((p): p is string => !!p), rec.files.shm]);
      } catch (e) {
        await unpinNamespaces(pins).catch(() => undefined);
        throw e;
      }
      await removePinFiles(pins);
    });
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      const first = failures[0] instanceof BerthError ? failures[0] : undefined;
      throw new BerthError(first?.code ?? Code.Internal, first?.layer ?? 'runtime', `releasing pod ${rec.id}: ${failures.map(errorMessage).join('; ')}`);
    }
  }

  /**
   * Best effort, then forget: a pod whose creation failed is never kept (the
   * kubelet retries with the same attempt; kept leftovers would pile up). What
   * could not be undone is logged and added to the error the caller sees.
   */
  private async rollback(rec: PodRecord, cause: unknown): Promise<unknown> {
    this.o.log.warn('pod creation failed, rolling back', { pod: rec.id, error: errorMessage(cause) });
    const leftovers: string[] = [];
    const attempt = async (f: () => Promise<void>): Promise<void> => {
      try {
        await f();
      } catch (e) {
        leftovers.push(errorMessage(e));
      }
    };
    await attempt(() => this.release(rec, true));
    await attempt(() => removePodDir(rec.files));
    await attempt(() => this.store.delete(rec.id));
    if (leftovers.length === 0) return cause instanceof BerthError ? cause : new BerthError(Code.Internal, 'runtime', errorMessage(cause), { cause });
    this.o.log.error('rollback incomplete', { pod: rec.id, leftovers });
    const base = cause instanceof BerthError ? cause : undefined;
    const msg = errorMessage(cause).replace(/^[a-z]+: /, '');
    return new BerthError(base?.code ?? Code.Internal, base?.layer ?? 'runtime', `${msg} (rollback incomplete: ${leftovers.join('; ')})`, { cause });
  }

  // ---- recovery ----------------------------------------------------------

  private async recover(rec: PodRecord): Promise<void> {
    if (rec.phase === 'creating') {
      this.o.log.warn('rolling back pod left half-created', { pod: rec.id });
      await this.rollback(rec, new Error('berthd stopped during RunPodSandbox'));
      return;
    }
    if (rec.phase === 'removing') {
      this.o.log.warn('finishing interrupted pod removal', { pod: rec.id });
      await this.release(rec);
      await removePodDir(rec.files);
      await this.store.delete(rec.id);
      return;
    }
    if (rec.phase === 'ready' && !(await this.stillReady(rec))) {
      this.o.log.warn('pod lost its namespaces or infra process; now NOTREADY', { pod: rec.id });
      rec.phase = 'stopped';
      rec.error = rec.bootId !== this.boot ? 'the node rebooted' : 'namespaces or infra process gone';
    }
    if (rec.phase === 'stopped') {
      // Whatever survived (IP allocations after a reboot, a stray pin) is released now.
      await this.release(rec).catch((e: unknown) => this.o.log.warn('releasing stopped pod failed', { pod: rec.id, error: errorMessage(e) }));
      await this.store.put(rec);
    }
  }

  private async stillReady(rec: PodRecord): Promise<boolean> {
    if (rec.bootId !== this.boot) return false;
    const live = await livePins(rec.pins);
    if (NS_KINDS.some((k) => rec.pins[k] && !live[k])) return false;
    if (rec.infra && this.o.infra) return this.o.infra.isRunning(rec.infra);
    return true;
  }

  /** Pins and pod directories no record knows (a crash between mkdir and the first write). */
  private async sweepOrphans(): Promise<void> {
    for (const kind of NS_KINDS) {
      for (const id of await listDir(join(nsRoot(this.state), kind))) {
        if (!this.store.get(id)) await unpinNamespaces({ [kind]: join(nsRoot(this.state), kind, id) });
      }
    }
    for (const id of await listDir(join(this.state, 'pods'))) {
      if (this.store.get(id)) continue;
      const files = podFilePaths(this.state, id);
      await unmountAll([files.shm]);
      await removePodDir(files);
    }
    for (const id of (await this.o.infra?.reportedExits()) ?? []) {
      const infra = this.store.get(id)?.infra;
      if (!infra || infra.released) await this.o.infra?.forgetExit(infra ?? { id, bundle: '', runtime: '', runtimeRoot: '' });
    }
  }

  private withLock<T>(id: string, f: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(f, f);
    const tail = next.catch(() => undefined);
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return next;
  }
}

/** Records how long `p` took under `name`. */
/** Also a phase of the current call (metrics, traces, timeline: src/observe/op.ts). */
async function timed<T>(ms: Record<string, number>, name: string, p: Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await phase(name, p);
  } finally {
    ms[name] = Math.round((performance.now() - t) * 10) / 10;
  }
}

/** Waits for every step (so a rollback never races one still running), then throws the first failure. */
async function settleAll(steps: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(steps);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}
