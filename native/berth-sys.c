// berth-sys: the system calls berthd needs on the start and stop paths of
// pods and containers that Node.js cannot make itself (mount, unshare),
// each in one short-lived process instead of util-linux's mount, umount and
// unshare + sh + ip (see docs/architecture.md, Start-up path). Every failure
// prints "berth-sys: <what>: <reason>" on stderr and exits 1; usage errors
// exit 2.
//
//   pin [--net=PATH] [--ipc=PATH] [--uts=PATH] [--hostname=NAME] [--lo]
//       Unshares the named namespaces, sets the hostname in the new UTS
//       namespace, brings lo up in the new network namespace, and pins each
//       namespace by bind-mounting /proc/self/ns/<kind> onto PATH (an
//       existing file). We stay in the caller's mount namespace, so the pins
//       are visible to everyone and outlive us.
//   mount [--cwd DIR] TYPE SOURCE TARGET DATA [FLAG,FLAG…]
//       mount(2). DATA "-" means none. Flags: ro nosuid nodev noexec bind rec
//       private. --cwd: resolve relative paths in DATA (overlay lower dirs)
//       from DIR.
//   umount TARGET…
//       umount2(2) each target; one that is not mounted (or absent) is
//       skipped; one that is busy is detached lazily.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what, const char *arg) {
  fprintf(stderr, "berth-sys: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
  return 1;
}

static int usage(const char *msg) {
  fprintf(stderr, "berth-sys: %s\n", msg);
  return 2;
}

static const char *opt(const char *arg, const char *name) {
  size_t n = strlen(name);
  return strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

static int lo_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail("socket", "lo");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return fail("SIOCGIFFLAGS", "lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) return fail("SIOCSIFFLAGS", "lo");
  close(s);
  return 0;
}

static int cmd_pin(int argc, char **argv) {
  const char *pins[3] = {NULL, NULL, NULL};
  static const char *kinds[3] = {"net", "ipc", "uts"};
  static const int flags[3] = {CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS};
  const char *hostname = NULL;
  int lo = 0;
  for (int i = 0; i < argc; i++) {
    const char *v;
    if ((v = opt(argv[i], "--net"))) pins[0] = v;
    else if ((v = opt(argv[i], "--ipc"))) pins[1] = v;
    else if ((v = opt(argv[i], "--uts"))) pins[2] = v;
    else if ((v = opt(argv[i], "--hostname"))) hostname = v;
    else if (strcmp(argv[i], "--lo") == 0) lo = 1;
    else return usage("pin: unknown argument");
  }
  int clone_flags = 0;
  for (int k = 0; k < 3; k++)
    if (pins[k]) clone_flags |= flags[k];
  if (clone_flags == 0) return usage("pin: no namespace named");
  if (unshare(clone_flags) < 0) return fail("unshare", NULL);
  if (pins[2] && hostname && *hostname && sethostname(hostname, strlen(hostname)) < 0) return fail("sethostname", hostname);
  if (pins[0] && lo && lo_up() != 0) return 1;
  for (int k = 0; k < 3; k++) {
    if (!pins[k]) continue;
    char src[32];
    snprintf(src, sizeof src, "/proc/self/ns/%s", kinds[k]);
    if (mount(src, pins[k], NULL, MS_BIND, NULL) < 0) return fail("bind-mount", pins[k]);
  }
  return 0;
}

static int parse_flags(const char *list, unsigned long *out) {
  char *copy = strdup(list);
  unsigned long f = 0;
  for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
    if (strcmp(tok, "ro") == 0) f |= MS_RDONLY;
    else if (strcmp(tok, "nosuid") == 0) f |= MS_NOSUID;
    else if (strcmp(tok, "nodev") == 0) f |= MS_NODEV;
    else if (strcmp(tok, "noexec") == 0) f |= MS_NOEXEC;
    else if (strcmp(tok, "bind") == 0) f |= MS_BIND;
    else if (strcmp(tok, "rec") == 0) f |= MS_REC;
    else if (strcmp(tok, "private") == 0) f |= MS_PRIVATE;
    else {
      free(copy);
      return -1;
    }
  }
  free(copy);
  *out = f;
  return 0;
}

static int cmd_mount(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[0], "--cwd") == 0) {
    if (chdir(argv[1]) < 0) return fail("chdir", argv[1]);
    argc -= 2;
    argv += 2;
  }
  if (argc < 4 || argc > 5) return usage("mount: TYPE SOURCE TARGET DATA [FLAGS]");
  const char *type = argv[0], *source = argv[1], *target = argv[2], *data = argv[3];
  unsigned long flags = 0;
  if (argc == 5 && parse_flags(argv[4], &flags) < 0) return usage("mount: unknown flag");
  if (strcmp(data, "-") == 0) data = NULL;
  // Propagation changes take no source, type or data and must be a call of their own.
  unsigned long propagation = flags & MS_PRIVATE;
  flags &= ~MS_PRIVATE;
  if (mount(source, target, strcmp(type, "-") == 0 ? NULL : type, flags, data) < 0) return fail("mount", target);
  if (propagation && mount(NULL, target, NULL, propagation | (flags & MS_REC), NULL) < 0) return fail("make-private", target);
  return 0;
}

static int cmd_umount(int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (umount2(argv[i], UMOUNT_NOFOLLOW) == 0) continue;
    if (errno == EINVAL || errno == ENOENT) continue; // not a mount point, or gone
    if (errno == EBUSY && umount2(argv[i], MNT_DETACH | UMOUNT_NOFOLLOW) == 0) continue;
    return fail("umount", argv[i]);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage("usage: berth-sys pin|mount|umount …");
  if (strcmp(argv[1], "pin") == 0) return cmd_pin(argc - 2, argv + 2);
  if (strcmp(argv[1], "mount") == 0) return cmd_mount(argc - 2, argv + 2);
  if (strcmp(argv[1], "umount") == 0) return cmd_umount(argc - 2, argv + 2);
  return usage("unknown command (pin, mount, umount)");
}
