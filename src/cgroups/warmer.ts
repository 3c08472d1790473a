// Keeps the kernel's cgroup migration lock "warm" while an OCI runtime moves
// a process into a container's cgroups (runc create: runc init; runc exec:
// the exec'd process).
//
// Why: every migration takes the global cgroup_threadgroup_rwsem for
// writing. When no migration happened in the last ~10–20 ms the kernel has
// switched that semaphore back to its reader fast path, and the next writer
// first waits out a full RCU grace period: 7–16 ms measured on this host
// (kernel 6.18, cgroup v1 and v2 alike unless mounted with favordynmods),
// against 0.02 ms when a migration just happened. runc create pays it once
// per container (bare `runc create` here: 36 → 23 ms p50 with the lock kept
// warm). We keep it warm by migrating berthd into the cgroup it already is
// in — a no-op move — every few milliseconds while a hold is active; the
// first such write absorbs the grace period in parallel with the rest of the
// create (rootfs, spec, conmon start-up) instead of inside runc.
import { closeSync, existsSync, openSync, write } from 'node:fs';
import { join } from 'node:path';

const INTERVAL_MS = 4;

/**
 * Pure: the cgroup.procs file of the cgroup berthd is in, from
 * /proc/self/cgroup — a v1 controller hierarchy (pids first: always there,
 * never delegated away) or the v2 hierarchy. Candidates in preference order;
 * the caller takes the first that exists.
 */
export function ownCgroupProcsCandidates(procSelfCgroup: string, mountRoot = '/sys/fs/cgroup'): string[] {
  const v1: string[] = [];
  const v2: string[] = [];
  for (const line of procSelfCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, , controllers = '', path = '/'] = m;
    if (controllers === '') {
      v2.push(join(mountRoot, path, 'cgroup.procs'), join(mountRoot, 'unified', path, 'cgroup.procs'));
      continue;
    }
    if (controllers.startsWith('name=')) continue;
    const file = join(mountRoot, controllers, path, 'cgroup.procs');
    if (controllers.split(',').includes('pids')) v1.unshift(file);
    else v1.push(file);
  }
  return [...v1, ...v2];
}

export class CgroupWarmer {
  private holds = 0;
  private running = false;
  private fd: number | undefined;
  private readonly pid = Buffer.from(String(process.pid));

  private constructor(fd: number | undefined) {
    this.fd = fd;
  }

  /** A warmer writing to berthd's own cgroup.procs; inert when none can be opened. */
  static forSelf(procSelfCgroup: string, mountRoot?: string): CgroupWarmer {
    for (const file of ownCgroupProcsCandidates(procSelfCgroup, mountRoot)) {
      if (!existsSync(file)) continue;
      try {
        return new CgroupWarmer(openSync(file, 'w'));
      } catch {
        // Not writable here (delegated or read-only cgroupfs): try the next.
      }
    }
    return new CgroupWarmer(undefined);
  }

  static inert(): CgroupWarmer {
    return new CgroupWarmer(undefined);
  }

  get active(): boolean {
    return this.fd !== undefined;
  }

  /** Keeps the lock warm until the returned function is called (idempotent). */
  hold(): () => void {
    if (this.fd === undefined) return () => undefined;
    this.holds++;
    this.tick();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
    };
  }

  /** A hold that ends by itself: for processes whose migration comes early in a long life (exec). */
  holdFor(ms: number): void {
    const release = this.hold();
    setTimeout(release, ms).unref();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.holds = 0;
  }

  /** One write in flight at a time; the next INTERVAL_MS after it returns, while held. */
  private tick(): void {
    if (this.running || this.fd === undefined || this.holds === 0) return;
    this.running = true;
    write(this.fd, this.pid, (err) => {
      this.running = false;
      if (err) {
        // The kernel refused the no-op move (e.g. a threaded v2 cgroup): stop trying.
        this.close();
        return;
      }
      if (this.holds > 0) setTimeout(() => this.tick(), INTERVAL_MS).unref();
    });
  }
}
