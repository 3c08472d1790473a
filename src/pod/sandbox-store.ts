// Pod records: the live copy in memory (List/Status are served from it) and
// the durable one in <root>/pods/<id>.json. They live under --root, not
// --state, because what a pod holds outside berthd can outlive a reboot
// (host-local keeps IP allocations on disk): after a reboot the record is
// how berthd knows to run CNI DEL and report the pod NOTREADY.
import type { TimelineEntry } from '../observe/timeline.js';
import { join } from 'node:path';
import type { UsernsMappings } from '../util/idmap.js';
import { RecordStore } from '../store/record-store.js';
import type { CniNetworkList } from './cni/network-config.js';
import type { NsPins } from './namespaces.js';
import type { PodFilePaths } from './pod-files.js';

/**
 * creating: intent persisted, resources being made (a crash → rolled back);
 * ready: running; stopped: resources released (CRI NOTREADY);
 * removing: being deleted (a crash → removal finished on start).
 */
export type PodPhase = 'creating' | 'ready' | 'stopped' | 'removing';

export interface PodMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

/** NamespaceMode numbers as in the CRI: POD=0, CONTAINER=1, NODE=2, TARGET=3. */
export interface PodNamespaceModes {
  network: number;
  pid: number;
  ipc: number;
  targetId: string;
}

export interface PodNetworkRecord {
  /** The network configuration used for ADD, kept so DEL runs the same plugins. */
  list: CniNetworkList;
  file: string;
  ifName: string;
  runtimeConfig: Record<string, unknown>;
  /** Final ADD result (prevResult for DEL); absent until ADD finished. */
  result?: unknown;
  /** DEL has still to be run (set before ADD, cleared when DEL succeeded). */
  attached: boolean;
}

export interface InfraRecord {
  /** The OCI container id of the infra process (catatonit -P). */
  id: string;
  bundle: string;
  /** Runtime handler name. */
  runtime: string;
  runtimeRoot: string;
  pid?: number;
  /** Stopped and deleted from the runtime (a stop need not run the runtime again). */
  released?: boolean;
}

export interface PodRecord {
  id: string;
  metadata: PodMetadata;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The PodSandboxConfig as protobuf-JSON, for verbose status and later use by containers. */
  config: unknown;
  runtimeHandler: string;
  /** Nanoseconds since the epoch, decimal (JSON has no int64). */
  createdAt: string;
  phase: PodPhase;
  bootId: string;
  namespaces: PodNamespaceModes;
  /** Namespaces Berth created for the pod (absent kinds are the node's). */
  pins: NsPins;
  hostname: string;
  files: PodFilePaths;
  /** The pod has its own /dev/shm tmpfs at files.shm. */
  ownShm: boolean;
  cgroupParent: string;
  network?: PodNetworkRecord;
  /** Pod IPs: CNI's, or the node's for host-network pods. Primary first. */
  ips: string[];
  infra?: InfraRecord;
  /** Why the pod is not ready, when something failed. */
  error?: string;
  /** What happened to the pod and its containers, bounded (src/observe/timeline.ts; written by the observer). */
  timeline?: TimelineEntry[];
  /** The mappings of the pod's user namespace (pinned at pins.user). */
  userns?: UsernsMappings;
}

export class SandboxStore {
  private readonly pods = new Map<string, PodRecord>();
  private readonly disk: RecordStore<PodRecord>;

  constructor(rootDir: string) {
    // Not fsynced: on the start path; rename keeps records whole across crashes.
    this.disk = new RecordStore<PodRecord>(join(rootDir, 'pods'), false);
  }

  async load(): Promise<{ records: PodRecord[]; corrupt: string[] }> {
    await this.disk.init();
    const { records, corrupt } = await this.disk.loadAll();
    for (const [id, r] of records) this.pods.set(id, r);
    return { records: [...records.values()], corrupt };
  }

  get(id: string): PodRecord | undefined {
    return this.pods.get(id);
  }

  /** Exact id, else the one pod whose id starts with `prefix`; 'ambiguous' when several do. */
  resolve(idOrPrefix: string): PodRecord | 'ambiguous' | undefined {
    const exact = this.pods.get(idOrPrefix);
    if (exact || idOrPrefix === '') return exact;
    let found: PodRecord | undefined;
    for (const [id, r] of this.pods) {
      if (!id.startsWith(idOrPrefix)) continue;
      if (found) return 'ambiguous';
      found = r;
    }
    return found;
  }

  all(): IterableIterator<PodRecord> {
    return this.pods.values();
  }

  /** Persists then publishes (memory follows disk, so a crash never shows what was not written). */
  async put(r: PodRecord): Promise<void> {
    await this.disk.put(r.id, r);
    this.pods.set(r.id, r);
  }

  async delete(id: string): Promise<void> {
    await this.disk.delete(id);
    this.pods.delete(id);
  }

  /** Drops a record that could not even be read. */
  async deleteCorrupt(id: string): Promise<void> {
    await this.disk.delete(id);
  }
}
