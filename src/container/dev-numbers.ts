// Linux dev_t → major/minor, as glibc's gnu_dev_major/minor encode it (Node
// reports st_rdev as one number). Shared by CRI and CDI device resolution.
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}
