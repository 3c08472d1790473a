// Kubernetes resource quantities ("64Mi", "10M", "1.5Gi", "512"), as used by
// the shm size option and the bandwidth annotations. Only the forms those use:
// binary (Ki…Ei) and decimal (k…E) suffixes, no exponents, no milli.

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
