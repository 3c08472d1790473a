// Milliseconds spent in each step of an operation, for the log line that
// tells where a slow RunPodSandbox or CreateContainer spent its time. Each
// step is also a phase of the current call (metrics, traces, timeline).
import { currentOp } from '../observe/op.js';

export class StepTimer {
  private readonly start = performance.now();
  private last = this.start;
  private readonly ms: Record<string, number> = {};

  mark(step: string): void {
    const now = performance.now();
    this.ms[step] = Math.round((now - this.last) * 10) / 10;
    currentOp()?.record(step, this.last, now);
    this.last = now;
  }

  done(): Record<string, number> {
    return { ...this.ms, total: Math.round((performance.now() - this.start) * 10) / 10 };
  }
}
