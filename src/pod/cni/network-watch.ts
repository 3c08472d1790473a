// Keeps the current CNI network in memory and refreshes it when conf_dir
// changes, so Status (polled by the kubelet) answers from memory and a config
// dropped in later is picked up without a restart.
import { watch, type FSWatcher } from 'node:fs';
import { lookupNetwork, type NetworkLookup } from './network-config.js';

const RECHECK_MS = 2000;

export class NetworkWatch {
  private current: NetworkLookup = { reason: 'NetworkPluginNotReady', message: 'network not checked yet' };
  private checkedAt = 0;
  private watcher: FSWatcher | undefined;
  private pending: Promise<NetworkLookup> | undefined;

  constructor(
    private readonly confDir: string,
    private readonly binDirs: readonly string[],
  ) {}

  async start(): Promise<void> {
    await this.refresh();
  }

  /** The network as of now; re-read when the directory changed or, unwatched, every few seconds. */
  async get(): Promise<NetworkLookup> {
    if (this.watcher && this.checkedAt > 0) return this.current;
    if (Date.now() - this.checkedAt < RECHECK_MS) return this.current;
    return this.refresh();
  }

  refresh(): Promise<NetworkLookup> {
    this.pending ??= lookupNetwork(this.confDir, this.binDirs).then((r) => {
      this.current = r;
      this.checkedAt = Date.now();
      this.pending = undefined;
      this.ensureWatcher();
      return r;
    });
    return this.pending;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private ensureWatcher(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.confDir, { persistent: false }, () => {
        this.checkedAt = 0;
        void this.refresh();
      });
      this.watcher.on('error', () => {
        // Directory removed: fall back to periodic re-checks.
        this.watcher?.close();
        this.watcher = undefined;
        this.checkedAt = 0;
      });
    } catch {
      this.watcher = undefined; // conf_dir does not exist yet
    }
  }
}
