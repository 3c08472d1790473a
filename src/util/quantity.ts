// Kubernetes resource quantities ("64Mi", "10M", "1.5Gi", "512"), as used by
// the shm size option, the bandwidth annotations and berth's limits:
// binary (Ki…Ei) and decimal (k…E) suffixes, no exponents. Milli ("200m")
// only for CPU, where it is the usual spelling.

const SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity as a whole number (rounded up), or undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.ceil(Number(m[1]) * (SUFFIX[m[2] ?? ''] as number));
}

/**
 * A CPU quantity in millicores: "200m" → 200, "1.5" → 1500, "2" → 2000.
 * Undefined when it is not one, or finer than a millicore ("0.0005", "1.5m").
 */
export function parseCpuQuantity(text: string): number | undefined {
  const t = text.trim();
  const milli = /^(\d+)m$/.exec(t);
  if (milli) return Number(milli[1]);
  const cores = /^(\d+)(?:\.(\d{1,3}))?$/.exec(t);
  if (!cores) return undefined;
  return Number(cores[1]) * 1000 + Number(((cores[2] ?? '') + '000').slice(0, 3));
}
