// The units berth reads and prints. Docker-style flags (run/update --memory,
// --cpus) take docker's notation: "256m" is 256 MiB, "1g" 1 GiB (binary,
// any case). The operator commands (berth container set) take Kubernetes
// quantities: "256Mi", "1G" (10^9), "200m" CPU. Both are checked before
// anything is sent, so a typo changes nothing.
import { parseCpuQuantity, parseQuantity } from '../../util/quantity.js';

export const CPU_PERIOD_US = 100_000;
/** The kernel refuses a CFS quota below 1 ms. */
const MIN_QUOTA_US = 1000;

/** docker's RAMInBytes: "256m", "1.5g", "512k", "100" (bytes), "2GiB". */
export function parseDockerMemory(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text.trim());
  if (!m) throw new Error(`invalid memory size "${text}": use a number with an optional unit b, k, m, g (e.g. 256m, 1g)`);
  const exp = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  const bytes = Math.floor(Number(m[1]) * 1024 ** exp);
  if (bytes < 6 * 1024 * 1024) throw new Error(`memory limit "${text}" is below the minimum of 6m (6 MiB)`);
  return bytes;
}

/** docker's --cpus: a decimal number of CPUs ("1.5") → millicores. */
export function parseDockerCpus(text: string, cpusOnNode: number): number {
  if (!/^\d*\.?\d+$/.test(text.trim())) throw new Error(`invalid --cpus "${text}": give a number of CPUs such as 0.5 or 1.5`);
  const millis = Math.round(Number(text) * 1000);
  if (millis < 10) throw new Error(`--cpus ${text} is below the minimum of 0.01`);
  if (millis > cpusOnNode * 1000) throw new Error(`--cpus ${text} is more than the ${cpusOnNode} CPUs of this node`);
  return millis;
}

/** A Kubernetes CPU quantity ("200m", "1.5") → millicores, with a message saying what is wrong. */
export function parseCpuLimit(text: string): number {
  const millis = parseCpuQuantity(text);
  if (millis === undefined) throw new Error(`invalid cpu quantity "${text}": use millicores like 200m or cores like 1.5`);
  if ((millis * CPU_PERIOD_US) / 1000 < MIN_QUOTA_US) throw new Error(`cpu ${text} is below the minimum of 10m (the kernel's 1 ms CFS quota)`);
  return millis;
}

/** A Kubernetes memory quantity ("256Mi", "1G", "512") → bytes, with a message saying what is wrong. */
export function parseMemoryLimit(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?m$/.test(t)) throw new Error(`memory "${text}" means ${t.slice(0, -1)} thousandths of a byte in Kubernetes notation (did you mean ${t.slice(0, -1)}Mi?)`);
  const bytes = parseQuantity(t);
  if (bytes === undefined) throw new Error(`invalid memory quantity "${text}": use e.g. 256Mi, 1Gi, 500M or a number of bytes`);
  if (bytes < 4 * 1024 * 1024) throw new Error(`memory ${text} is below the minimum of 4Mi`);
  return bytes;
}

/** CFS quota for a CPU limit at berth's period. */
export function quotaFor(millis: number): number {
  return Math.round((millis * CPU_PERIOD_US) / 1000);
}

/** Millicores → Kubernetes text: 200 → "200m", 1500 → "1.5", 2000 → "2". */
export function formatMillis(millis: number): string {
  if (millis % 1000 === 0) return String(millis / 1000);
  if (millis % 100 === 0 && millis > 1000) return String(millis / 1000);
  return millis < 1000 ? `${millis}m` : String(millis / 1000);
}

/** Bytes → the largest exact binary unit ("256Mi", "1Gi"), else with one decimal ("1.3Gi"). */
export function formatBytes(bytes: number): string {
  const units = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  for (let i = units.length; i >= 1; i--) {
    const u = 1024 ** i;
    if (bytes >= u && bytes % u === 0) return `${bytes / u}${units[i - 1] as string}`;
  }
  for (let i = units.length; i >= 1; i--) {
    const u = 1024 ** i;
    if (bytes >= u) return `${(bytes / u).toFixed(1)}${units[i - 1] as string}`;
  }
  return `${bytes}B`;
}
