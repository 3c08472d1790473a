// What one page fault costs on this machine: touch 64 MiB of fresh anonymous
// memory one write per 4 KiB page (no transparent huge pages) and time it.
// Start-up of any process is paid largely in such faults (bench/cli-startup.sh).
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

int main(void) {
  const size_t n = 64u << 20;
  char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  madvise(p, n, MADV_NOHUGEPAGE);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (size_t i = 0; i < n; i += 4096) p[i] = 1;
  clock_gettime(CLOCK_MONOTONIC, &b);
  double us = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
  printf("%.2f us per 4 KiB anonymous page fault (%zu faults)\n", us / (double)(n / 4096), n / 4096);
  return 0;
}
