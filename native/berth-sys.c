// berth-sys: the system calls berthd needs on the start and stop paths of
// pods and containers that Node.js cannot make itself (mount, unshare),
// each in one short-lived process instead of util-linux's mount, umount and
// unshare + sh + ip (see docs/architecture.md, Start-up path). Every failure
// prints "berth-sys: <what>: <reason>" on stderr and exits 1; usage errors
// exit 2.
//
//   pin [--net=PATH] [--ipc=PATH] [--uts=PATH] [--hostname=NAME] [--lo]
//       [--user=PATH --uid-map=C:H:L[,…] --gid-map=C:H:L[,…]]
//       Unshares the named namespaces, sets the hostname in the new UTS
//       namespace, brings lo up in the new network namespace, and pins each
//       namespace by bind-mounting /proc/self/ns/<kind> onto PATH (an
//       existing file). We stay in the caller's mount namespace, so the pins
//       are visible to everyone and outlive us.
//       With --user, a child first enters a new user namespace whose ID maps
//       we write from outside (only a process privileged in the parent
//       namespace may write arbitrary maps), then creates the other
//       namespaces inside it, so that they are owned by it: runc joins the
//       user namespace first and may then only join namespaces its root
//       owns. We, still in the caller's mount namespace with its privileges,
//       bind-mount the child's namespaces onto the pins.
//   idmap --userns=PIN SOURCE TARGET
//       Clones the mount tree at SOURCE, idmaps it with the maps of the user
//       namespace pinned at PIN (mount_setattr MOUNT_ATTR_IDMAP) and attaches
//       it at TARGET (an existing file or directory): how a volume of a
//       user-namespaced pod keeps its on-disk owners without a chown.
//   probe-idmap PATH
//       Exits 0 when the mount at PATH can be idmapped with a user namespace
//       of our own (both are then discarded: nothing is left mounted), 1 with
//       the reason otherwise. Decides whether Berth offers user namespaces.
//   overlay-idmap --userns=PIN TARGET UPPER WORK LOWER…
//       Mounts an overlay at TARGET whose lower dirs are idmapped clones of
//       LOWER… (overlayfs cannot be idmapped itself, but accepts idmapped
//       layers). The clones stay detached: overlay holds them, and they go
//       away with it.
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/mount.h>
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


// Writes "C:H:L,C:H:L" as the map file's "C H L\n" lines.
static int write_map(pid_t pid, const char *file, const char *spec) {
  char path[64], buf[4096];
  size_t n = 0;
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
  for (const char *p = spec; *p && n < sizeof buf - 2; p++) buf[n++] = *p == ':' ? ' ' : *p == ',' ? '\n' : *p;
  buf[n++] = '\n';
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail("open", path);
  if (write(fd, buf, n) != (ssize_t)n) return fail("write", path);
  close(fd);
  return 0;
}

static int sync_read(int fd) {
  char c;
  return read(fd, &c, 1) == 1 ? 0 : -1;
}

static int sync_write(int fd) {
  return write(fd, "x", 1) == 1 ? 0 : -1;
}

// The child's half of pin --user: new user namespace, wait for its maps,
// create the other namespaces inside it (a new user namespace's first
// process holds every capability in it), report, wait to be pinned.
static int userns_child(int to_parent, int from_parent, int flags, const char *hostname, int lo) {
  if (unshare(CLONE_NEWUSER) < 0) return fail("unshare", "user");
  if (sync_write(to_parent) < 0 || sync_read(from_parent) < 0) return 1;
  if (flags && unshare(flags) < 0) return fail("unshare", NULL);
  if ((flags & CLONE_NEWUTS) && hostname && *hostname && sethostname(hostname, strlen(hostname)) < 0) return fail("sethostname", hostname);
  if ((flags & CLONE_NEWNET) && lo && lo_up() != 0) return 1;
  if (sync_write(to_parent) < 0) return 1;
  sync_read(from_parent); // until the parent has pinned us
  return 0;
}

static int pin_with_userns(const char *user_pin, const char *uid_map, const char *gid_map, const char *pins[3],
                           const char *kinds[3], int flags, const char *hostname, int lo) {
  if (!uid_map || !gid_map) return usage("pin: --user needs --uid-map and --gid-map");
  int up[2], down[2];
  if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0) return fail("pipe", NULL);
  pid_t child = fork();
  if (child < 0) return fail("fork", NULL);
  if (child == 0) {
    close(up[0]); // so that each side sees the other's end close
    close(down[1]);
    _exit(userns_child(up[1], down[0], flags, hostname, lo));
  }
  close(up[1]);
  close(down[0]);
  int rc = 1;
  if (sync_read(up[0]) < 0) goto out; // the child failed to unshare: it said why
  if (write_map(child, "uid_map", uid_map) || write_map(child, "gid_map", gid_map)) goto out;
  if (sync_write(down[1]) < 0 || sync_read(up[0]) < 0) goto out;
  char src[64];
  snprintf(src, sizeof src, "/proc/%d/ns/user", (int)child);
  if (mount(src, user_pin, NULL, MS_BIND, NULL) < 0) { fail("bind-mount", user_pin); goto out; }
  for (int k = 0; k < 3; k++) {
    if (!pins[k]) continue;
    snprintf(src, sizeof src, "/proc/%d/ns/%s", (int)child, kinds[k]);
    if (mount(src, pins[k], NULL, MS_BIND, NULL) < 0) { fail("bind-mount", pins[k]); goto out; }
  }
  rc = 0;
out:
  close(down[1]); // releases the child
  int status = 0;
  waitpid(child, &status, 0);
  if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) rc = 1;
  return rc;
}

static int open_userns(const char *pin) {
  int fd = open(pin, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open", pin);
  return fd;
}

// A detached, idmapped clone of the mount tree at path; -1 after saying why.
static int idmapped_clone(const char *path, int userns_fd) {
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (fd < 0) {
    fail("open_tree", path);
    return -1;
  }
  struct mount_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = (unsigned long long)userns_fd;
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
    fail("mount_setattr idmap (the filesystem may not support idmapped mounts)", path);
    close(fd);
    return -1;
  }
  return fd;
}

static int cmd_idmap(int argc, char **argv) {
  const char *pin;
  if (argc != 3 || !(pin = opt(argv[0], "--userns"))) return usage("idmap: --userns=PIN SOURCE TARGET");
  int ufd = open_userns(pin);
  if (ufd < 0) return 1;
  int fd = idmapped_clone(argv[1], ufd);
  if (fd < 0) return 1;
  if (syscall(SYS_move_mount, fd, "", AT_FDCWD, argv[2], MOVE_MOUNT_F_EMPTY_PATH) < 0) return fail("move_mount", argv[2]);
  return 0;
}

static int cmd_probe_idmap(int argc, char **argv) {
  if (argc != 1) return usage("probe-idmap: PATH");
  int up[2], down[2];
  if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0) return fail("pipe", NULL);
  pid_t child = fork();
  if (child < 0) return fail("fork", NULL);
  if (child == 0) {
    close(up[0]);
    close(down[1]);
    if (unshare(CLONE_NEWUSER) < 0) _exit(fail("unshare", "user"));
    sync_write(up[1]);
    sync_read(down[0]); // until the parent is done
    _exit(0);
  }
  close(up[1]);
  close(down[0]);
  int rc = 1;
  char path[64];
  if (sync_read(up[0]) < 0) goto out;
  if (write_map(child, "uid_map", "0:65536:1") || write_map(child, "gid_map", "0:65536:1")) goto out;
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
  int ufd = open_userns(path);
  if (ufd < 0) goto out;
  int fd = idmapped_clone(argv[0], ufd);
  if (fd >= 0) {
    close(fd); // detached: closing it unmounts it
    rc = 0;
  }
  close(ufd);
out:
  close(down[1]);
  waitpid(child, NULL, 0);
  return rc;
}

static int cmd_overlay_idmap(int argc, char **argv) {
  const char *pin;
  if (argc < 5 || !(pin = opt(argv[0], "--userns"))) return usage("overlay-idmap: --userns=PIN TARGET UPPER WORK LOWER…");
  const char *target = argv[1], *upper = argv[2], *work = argv[3];
  int ufd = open_userns(pin);
  if (ufd < 0) return 1;
  // /proc/self/fd/N names a detached mount's root: short lower dir names, whatever the layer paths.
  char data[4096];
  int n = snprintf(data, sizeof data, "lowerdir=");
  for (int i = 4; i < argc; i++) {
    int fd = idmapped_clone(argv[i], ufd);
    if (fd < 0) return 1;
    n += snprintf(data + n, sizeof data - n, "%s/proc/self/fd/%d", i > 4 ? ":" : "", fd);
    if (n >= (int)sizeof data) return usage("overlay-idmap: too many layers for one mount");
  }
  n += snprintf(data + n, sizeof data - n, ",upperdir=%s,workdir=%s", upper, work);
  if (n >= (int)sizeof data) return usage("overlay-idmap: paths too long");
  if (mount("overlay", target, "overlay", 0, data) < 0) return fail("mount overlay", target);
  return 0;
}

static int cmd_pin(int argc, char **argv) {
  const char *pins[3] = {NULL, NULL, NULL};
  static const char *kinds[3] = {"net", "ipc", "uts"};
  static const int flags[3] = {CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS};
  const char *hostname = NULL, *user = NULL, *uid_map = NULL, *gid_map = NULL;
  int lo = 0;
  for (int i = 0; i < argc; i++) {
    const char *v;
    if ((v = opt(argv[i], "--user"))) user = v;
    else if ((v = opt(argv[i], "--uid-map"))) uid_map = v;
    else if ((v = opt(argv[i], "--gid-map"))) gid_map = v;
    else if ((v = opt(argv[i], "--net"))) pins[0] = v;
    else if ((v = opt(argv[i], "--ipc"))) pins[1] = v;
    else if ((v = opt(argv[i], "--uts"))) pins[2] = v;
    else if ((v = opt(argv[i], "--hostname"))) hostname = v;
    else if (strcmp(argv[i], "--lo") == 0) lo = 1;
    else return usage("pin: unknown argument");
  }
  int clone_flags = 0;
  for (int k = 0; k < 3; k++)
    if (pins[k]) clone_flags |= flags[k];
  if (user) return pin_with_userns(user, uid_map, gid_map, pins, kinds, clone_flags, hostname, lo);
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
  if (argc < 2) return usage("usage: berth-sys pin|mount|umount|idmap|overlay-idmap|probe-idmap …");
  if (strcmp(argv[1], "pin") == 0) return cmd_pin(argc - 2, argv + 2);
  if (strcmp(argv[1], "mount") == 0) return cmd_mount(argc - 2, argv + 2);
  if (strcmp(argv[1], "umount") == 0) return cmd_umount(argc - 2, argv + 2);
  if (strcmp(argv[1], "idmap") == 0) return cmd_idmap(argc - 2, argv + 2);
  if (strcmp(argv[1], "overlay-idmap") == 0) return cmd_overlay_idmap(argc - 2, argv + 2);
  if (strcmp(argv[1], "probe-idmap") == 0) return cmd_probe_idmap(argc - 2, argv + 2);
  return usage("unknown command (pin, mount, umount, idmap, overlay-idmap, probe-idmap)");
}
