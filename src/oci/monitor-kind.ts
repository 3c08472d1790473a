// The monitor names the config accepts; apart from src/oci/monitor.ts so the
// config schema (loaded by the CLIs too) does not pull in the spawn code.
export const MONITOR_KINDS = ['conmon', 'berth-mon'] as const;
export type MonitorKind = (typeof MONITOR_KINDS)[number];

/** What to name when the configured monitor is missing. */
export function monitorDescription(kind: MonitorKind, conmonPath: string): string {
  return kind === 'conmon' ? `conmon "${conmonPath}"` : 'berth-mon (next to berthd: node scripts/build.mjs)';
}
