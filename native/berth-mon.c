// berth-mon: a small monitor for one container, the lighter alternative to
// conmon ([runtime] monitor = "berth-mon"; docs/monitor.md). It keeps what
// berthd uses from conmon and the same files, so the rest of Berth reads one
// layout whichever monitor runs:
//
//   berth-mon -c <id> -b <bundle> -r <runtime> [-a <runtime global arg>]…
//             -l <log file> -x <exit dir> -p <persist dir> -P <monitor pid file>
//             [-t] [-i] [-I] [-R <checkpoint image dir>]
//
//   -t  the container has a terminal (the pty master comes over a console
//       socket); -i it has stdin; -I stdin stays open when an attached client
//       ends (without it, the first attach that ends closes the container's
//       stdin: CRI stdin_once); -R restore from CRIU images instead of create.
//
// Handshake with berthd (as conmon's): fd 4 is the start pipe — nothing
// happens before one byte arrives there (berthd moves us into our cgroup
// first); then we fork (the parent exits, the child is the monitor, in its
// own session, so berthd may restart under it), run `<runtime> create` as our
// child with ourselves as child subreaper (runc's init becomes our child and
// we reap it), and write one JSON line on fd 3: {"data": <pid>} or
// {"data": -1, "message": "…"}.
//
// Then, until the container's init exits:
//   - stdout/stderr (pipes, or the pty) go into the CRI log file as
//     `<RFC 3339 UTC ns> <stdout|stderr> <F|P> <text>` lines (P = a piece with
//     no newline yet; a stream ending in a piece gets an empty F line), and to
//     every client of <bundle>/attach (SOCK_SEQPACKET; packets tagged 2 stdout,
//     3 stderr, ≤ 8192 bytes); what clients send goes to the container's stdin.
//   - <bundle>/ctl (a FIFO) takes "1 <rows> <cols>\n" (terminal size) and
//     "2 0 0\n" (reopen the log file: the kubelet rotated it).
// At the exit: the output still buffered is drained into the log, then the
// exit code (128+signal for a signal) is written to <persist dir>/exit and
// <exit dir>/<id>, each renamed into place whole, its mtime the exit time.
//
// Memory: no allocation after start-up; buffers are static and small, so a
// monitor's resident set is a few pages of its own (see bench/RESULTS.md).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "proc-util.h"

#define SYNC_FD 3
#define START_FD 4
#define PACKET 8192 /* one attach packet: the tag byte and up to 8191 bytes of output */
#define MAX_CLIENTS 16
#define MAX_RUNTIME_ARGS 32
#define LINES_PER_WRITE 32

/* ---------- options ---------- */

static struct {
  const char *id, *bundle, *runtime, *log, *exit_dir, *persist_dir, *mon_pidfile, *restore;
  const char *runtime_args[MAX_RUNTIME_ARGS];
  int n_runtime_args, tty, stdin, leave_stdin_open;
} o;

static void usage_exit(const char *why) {
  fprintf(stderr, "berth-mon: %s\n", why);
  exit(64);
}

static void parse_args(int argc, char **argv) {
  int c;
  while ((c = getopt(argc, argv, "c:b:r:a:l:x:p:P:R:tiI")) != -1) {
    switch (c) {
      case 'c': o.id = optarg; break;
      case 'b': o.bundle = optarg; break;
      case 'r': o.runtime = optarg; break;
      case 'a':
        if (o.n_runtime_args == MAX_RUNTIME_ARGS) usage_exit("too many -a");
        o.runtime_args[o.n_runtime_args++] = optarg;
        break;
      case 'l': o.log = optarg; break;
      case 'x': o.exit_dir = optarg; break;
      case 'p': o.persist_dir = optarg; break;
      case 'P': o.mon_pidfile = optarg; break;
      case 'R': o.restore = optarg; break;
      case 't': o.tty = 1; break;
      case 'i': o.stdin = 1; break;
      case 'I': o.leave_stdin_open = 1; break;
      default: usage_exit("bad option");
    }
  }
  if (!o.id || !o.bundle || !o.runtime || !o.log || !o.exit_dir || !o.persist_dir || !o.mon_pidfile)
    usage_exit("usage: berth-mon -c id -b bundle -r runtime [-a arg]… -l log -x exitdir -p persistdir -P pidfile [-t] [-i] [-I] [-R images]");
  if (strlen(o.id) > 128 || strchr(o.id, '/')) usage_exit("bad container id");
}

/* ---------- small helpers ---------- */

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* The runtime's complaint, JSON-escaped into the sync message. */
static void sync_failure(const char *what, const char *detail, size_t detail_len) {
  static char msg[4096];
  size_t k = 0;
  k += (size_t)snprintf(msg, sizeof msg, "{\"data\": -1, \"message\": \"");
  for (const char *p = what; *p && k < sizeof msg - 16; p++) msg[k++] = *p;
  for (size_t i = 0; i < detail_len && k < sizeof msg - 16; i++) {
    unsigned char ch = (unsigned char)detail[i];
    if (ch == '"' || ch == '\\') {
      msg[k++] = '\\';
      msg[k++] = (char)ch;
    } else if (ch < 0x20) {
      k += (size_t)snprintf(msg + k, 8, "\\u%04x", ch);
    } else {
      msg[k++] = (char)ch;
    }
  }
  k += (size_t)snprintf(msg + k, sizeof msg - k, "\"}\n");
  write_all(SYNC_FD, msg, k);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...) {
  char why[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  sync_failure("berth-mon: ", why, strlen(why));
  exit(1);
}

static pid_t read_pid(const char *path) {
  char b[32] = {0};
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, b, sizeof b - 1);
  close(fd);
  return n > 0 ? (pid_t)atoi(b) : -1;
}

/* Writes `text` to dir/name through a dot-named temporary renamed into place
   (berthd ignores dot names): readers never see a half-written file. */
static void write_file_whole(const char *dir, const char *name, const char *text, const struct timespec *mtime) {
  char tmp[4096], dst[4096];
  snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
  snprintf(dst, sizeof dst, "%s/%s", dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  write_all(fd, text, strlen(text));
  if (mtime) {
    struct timespec t[2] = {*mtime, *mtime};
    futimens(fd, t);
  }
  close(fd);
  rename(tmp, dst);
}

static void set_nonblock(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* ---------- the CRI log ---------- */

static int log_fd = -1;

static void open_log(void) {
  if (log_fd >= 0) close(log_fd);
  log_fd = open(o.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

struct stream {
  int fd;           /* read end (pipe or pty master); -1 once closed */
  const char *name; /* "stdout" | "stderr" */
  char tag;         /* attach packet tag: 2 | 3 */
  int partial;      /* the last log line written was a P piece */
};

static struct stream streams[2] = {{-1, "stdout", 2, 0}, {-1, "stderr", 3, 0}};

/* "<time> <stream> X " for both tags; the time is shared by one read's lines. */
static size_t header(char *out, size_t cap, const struct stream *s, char tag) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  return (size_t)snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ %s %c ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                          tm.tm_min, tm.tm_sec, ts.tv_nsec, s->name, tag);
}

static void writev_all(int fd, struct iovec *iov, int n) {
  while (n > 0) {
    ssize_t w = writev(fd, iov, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return; /* the log is lost (disk full, file gone): the container goes on */
    }
    while (n > 0 && (size_t)w >= iov->iov_len) {
      w -= (ssize_t)iov->iov_len;
      iov++;
      n--;
    }
    if (n > 0) {
      iov->iov_base = (char *)iov->iov_base + w;
      iov->iov_len -= (size_t)w;
    }
  }
}

/* One read's worth of output → F lines for each newline, a P piece for the rest. */
static void log_output(struct stream *s, const char *p, size_t n) {
  if (log_fd < 0 || n == 0) return;
  char hf[96], hp[96];
  size_t lf = header(hf, sizeof hf, s, 'F');
  memcpy(hp, hf, lf);
  hp[lf - 2] = 'P';
  static char nl[] = "\n";
  struct iovec iov[LINES_PER_WRITE * 3];
  int k = 0;
  size_t at = 0;
  while (at < n) {
    const char *eol = memchr(p + at, '\n', n - at);
    size_t len = eol ? (size_t)(eol - (p + at)) : n - at;
    iov[k++] = (struct iovec){eol ? hf : hp, lf};
    iov[k++] = (struct iovec){(char *)p + at, len};
    iov[k++] = (struct iovec){nl, 1};
    s->partial = eol == NULL;
    at += len + (eol ? 1 : 0);
    if (k == LINES_PER_WRITE * 3) {
      writev_all(log_fd, iov, k);
      k = 0;
    }
  }
  if (k) writev_all(log_fd, iov, k);
}

/* A stream that ended on a piece gets the empty F line that closes it. */
static void close_partial(struct stream *s) {
  if (!s->partial || log_fd < 0) return;
  char hf[96];
  size_t lf = header(hf, sizeof hf, s, 'F');
  hf[lf++] = '\n';
  write_all(log_fd, hf, lf);
  s->partial = 0;
}

/* ---------- attach clients ---------- */

static int clients[MAX_CLIENTS];
static int n_clients = 0;
static int stdin_fd = -1; /* the container's stdin: a pipe's write end, or the pty master */
static int master = -1;

static void drop_client(int i) {
  close(clients[i]);
  clients[i] = clients[--n_clients];
}

/* Output reaches attached clients best-effort: a client that does not read
   loses packets rather than stall the log. */
static void broadcast(char *packet, size_t n) {
  for (int i = 0; i < n_clients;) {
    if (send(clients[i], packet, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN && errno != EINTR) {
      drop_client(i);
      continue;
    }
    i++;
  }
}

static char out_packet[PACKET];

/* Reads what one stream has (once, or to the end when draining: bounded, as
   a process left in a shared PID namespace may keep writing); returns 0 when it closed. */
static int pump_stream(struct stream *s, int drain) {
  for (int reads = 0; reads < 1024; reads++) {
    ssize_t n = read(s->fd, out_packet + 1, PACKET - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0 && errno == EAGAIN) return 1;
      /* EOF, or EIO from a pty whose other side is gone */
      close_partial(s);
      if (s->fd != master) close(s->fd);
      s->fd = -1;
      return 0;
    }
    log_output(s, out_packet + 1, (size_t)n);
    out_packet[0] = s->tag;
    broadcast(out_packet, (size_t)n + 1);
    if (!drain) return 1;
  }
  return 1;
}

/* Input from clients waits here when the container's stdin is full. */
static char in_buf[PACKET * 4];
static size_t in_off = 0, in_len = 0;

static void flush_stdin(void) {
  while (in_len > 0 && stdin_fd >= 0) {
    ssize_t w = write(stdin_fd, in_buf + in_off, in_len);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      in_len = 0; /* the container closed its stdin */
      break;
    }
    in_off += (size_t)w;
    in_len -= (size_t)w;
  }
  in_off = in_len = 0;
}

static void close_container_stdin(void) {
  if (stdin_fd < 0 || stdin_fd == master) return; /* a terminal stays open */
  close(stdin_fd);
  stdin_fd = -1;
}

static void client_input(int i) {
  ssize_t n = recv(clients[i], in_buf, sizeof in_buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    drop_client(i);
    /* stdin_once: the first attached client that ends closes the container's stdin. */
    if (!o.leave_stdin_open) close_container_stdin();
    return;
  }
  if (stdin_fd < 0) return;
  in_off = 0;
  in_len = (size_t)n;
  flush_stdin();
}

/* ---------- the ctl fifo ---------- */

static char ctl_buf[256];
static size_t ctl_len = 0;

static void ctl_line(const char *line) {
  int kind = 0;
  unsigned a = 0, b = 0;
  if (sscanf(line, "%d %u %u", &kind, &a, &b) < 1) return;
  if (kind == 1 && master >= 0) {
    struct winsize ws = {0};
    ws.ws_row = (unsigned short)a;
    ws.ws_col = (unsigned short)b;
    ioctl(master, TIOCSWINSZ, &ws);
  } else if (kind == 2) {
    open_log();
  }
}

static void ctl_input(int fd) {
  ssize_t n = read(fd, ctl_buf + ctl_len, sizeof ctl_buf - 1 - ctl_len);
  if (n <= 0) return;
  ctl_len += (size_t)n;
  ctl_buf[ctl_len] = 0;
  char *start = ctl_buf, *nl;
  while ((nl = strchr(start, '\n'))) {
    *nl = 0;
    ctl_line(start);
    start = nl + 1;
  }
  ctl_len = strlen(start);
  memmove(ctl_buf, start, ctl_len + 1);
  if (ctl_len >= sizeof ctl_buf - 1) ctl_len = 0; /* a line too long to be ours */
}

/* ---------- creating the container ---------- */

static int listen_unix(const char *name, int type, int backlog) {
  unlink(name);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", name);
  int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, backlog) < 0) return -1;
  return s;
}

static int old_oom_score = 0;

/* Never killed before the container it watches: lower our own OOM score
   (best effort; the runtime child gets the original score back). */
static void protect_from_oom(void) {
  int fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  char b[16] = {0};
  if (read(fd, b, sizeof b - 1) > 0) old_oom_score = atoi(b);
  write_all(fd, "-999", 4);
  close(fd);
}

static void restore_oom_score(void) {
  char b[16];
  int n = snprintf(b, sizeof b, "%d", old_oom_score);
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  write_all(fd, b, (size_t)n);
  close(fd);
}

/* argv of `<runtime> [global args] create|restore …`; static (no heap). */
static char *rargv[MAX_RUNTIME_ARGS + 20];

static void build_runtime_argv(const char *console) {
  int k = 0;
  rargv[k++] = (char *)o.runtime;
  for (int i = 0; i < o.n_runtime_args; i++) rargv[k++] = (char *)o.runtime_args[i];
  if (o.restore) {
    rargv[k++] = "restore";
    rargv[k++] = "--detach";
    rargv[k++] = "--image-path";
    rargv[k++] = (char *)o.restore;
    rargv[k++] = "--work-path";
    rargv[k++] = (char *)o.restore;
  } else {
    rargv[k++] = "create";
  }
  rargv[k++] = "--bundle";
  rargv[k++] = (char *)o.bundle;
  rargv[k++] = "--pid-file";
  rargv[k++] = "pidfile";
  if (console) {
    rargv[k++] = "--console-socket";
    rargv[k++] = (char *)console;
  }
  rargv[k++] = (char *)o.id;
  rargv[k] = NULL;
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);

  char go;
  ssize_t r;
  while ((r = read(START_FD, &go, 1)) < 0 && errno == EINTR) {
  }
  if (r != 1) return 1; /* berthd gave up before the start */

  /* The monitor is the grandchild: berthd reaps its child at once, and a
     berthd restart does not touch us (our own session, stdio on /dev/null). */
  pid_t p = fork();
  if (p < 0) fail("fork: %s", strerror(errno));
  if (p > 0) _exit(0);
  setsid();
  if (chdir(o.bundle) < 0) fail("chdir %s: %s", o.bundle, strerror(errno));
  {
    char pid[24];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", o.mon_pidfile);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    write_file_whole(slash ? dir : ".", slash ? slash + 1 : o.mon_pidfile, pid, NULL);
  }
  protect_from_oom();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) fail("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));

  open_log();
  if (log_fd < 0) fail("cannot open the log file %s: %s", o.log, strerror(errno));

  /* The attach socket and ctl fifo exist before berthd hears of the container. */
  int attach = listen_unix("attach", SOCK_SEQPACKET, 8);
  if (attach < 0) fail("attach socket in %s: %s", o.bundle, strerror(errno));
  unlink("ctl");
  if (mkfifo("ctl", 0600) < 0) fail("ctl fifo in %s: %s", o.bundle, strerror(errno));
  int ctl = open("ctl", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  int ctl_keep = open("ctl", O_WRONLY | O_CLOEXEC); /* no EOF when a writer closes */
  if (ctl < 0 || ctl_keep < 0) fail("ctl fifo: %s", strerror(errno));

  /* The container's stdio: pipes, or a pty runc makes and hands over. */
  int child_in = -1, child_out = -1, child_err = -1, console = -1;
  const char *console_name = NULL;
  char console_path[32];
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (o.tty) {
    snprintf(console_path, sizeof console_path, "console-%d.sock", (int)getpid());
    console = listen_unix(console_path, SOCK_STREAM, 1);
    if (console < 0) fail("console socket: %s", strerror(errno));
    console_name = console_path;
    int errp[2];
    if (pipe2(errp, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
    streams[1].fd = errp[0]; /* only the runtime's messages until the pty arrives */
    child_in = devnull;
    child_out = devnull;
    child_err = errp[1];
  } else {
    int outp[2], errp[2];
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
    streams[0].fd = outp[0];
    streams[1].fd = errp[0];
    child_out = outp[1];
    child_err = errp[1];
    child_in = devnull;
    if (o.stdin) {
      int inp[2];
      if (pipe2(inp, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
      child_in = inp[0];
      stdin_fd = inp[1];
    }
  }
  set_nonblock(streams[1].fd);
  if (streams[0].fd >= 0) set_nonblock(streams[0].fd);
  build_runtime_argv(console_name);

  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) fail("signalfd: %s", strerror(errno));

  pid_t runtime = fork();
  if (runtime < 0) fail("fork: %s", strerror(errno));
  if (runtime == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    restore_oom_score();
    dup2(child_in, 0);
    dup2(child_out, 1);
    dup2(child_err, 2);
    close(SYNC_FD);
    close(START_FD);
    execvp(rargv[0], rargv);
    dprintf(2, "cannot run %s: %s\n", rargv[0], strerror(errno));
    _exit(127);
  }
  if (child_in != devnull) close(child_in);
  close(child_out == devnull ? -1 : child_out);
  close(child_err);

  int runtime_status = -1;
  while (runtime_status < 0) {
    struct pollfd pf[2] = {{sfd, POLLIN, 0}, {console, POLLIN, 0}};
    if (poll(pf, console >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) fail("poll: %s", strerror(errno));
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
    }
    if (console >= 0 && (pf[1].revents & POLLIN)) {
      int c = accept4(console, NULL, NULL, SOCK_CLOEXEC);
      if (c >= 0) {
        master = recv_fd(c);
        close(c);
      }
    }
    int st;
    if (waitpid(runtime, &st, WNOHANG) == runtime) runtime_status = st;
  }
  if (console >= 0) {
    if (master < 0) {
      int c = accept4(console, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (c >= 0) {
        int flags = fcntl(c, F_GETFL);
        fcntl(c, F_SETFL, flags & ~O_NONBLOCK);
        master = recv_fd(c);
        close(c);
      }
    }
    close(console);
    unlink(console_name);
  }

  if (!WIFEXITED(runtime_status) || WEXITSTATUS(runtime_status) != 0) {
    /* What the runtime said is on the stderr pipe (and stdout, without a terminal). */
    static char said[3000];
    size_t k = 0;
    for (int i = 1; i >= 0; i--) {
      if (streams[i].fd < 0) continue;
      ssize_t n;
      while (k < sizeof said && (n = read(streams[i].fd, said + k, sizeof said - k)) > 0) k += (size_t)n;
    }
    while (k > 0 && (said[k - 1] == '\n' || said[k - 1] == ' ')) k--;
    char what[128];
    snprintf(what, sizeof what, "%s exited with status %d: ", o.restore ? "restore" : "create", exit_code_of(runtime_status));
    sync_failure(what, said, k);
    unlink("attach");
    unlink("ctl");
    return 1;
  }
  pid_t cpid = read_pid("pidfile");
  if (cpid <= 0) fail("the runtime wrote no pid file in %s", o.bundle);
  if (o.tty) {
    if (master < 0) fail("the runtime sent no terminal over the console socket");
    set_nonblock(master);
    /* The runtime's own messages are done; the pty is the only output. */
    close(streams[1].fd);
    streams[1].fd = -1;
    streams[0].fd = master;
    if (o.stdin) stdin_fd = master;
  }
  if (stdin_fd >= 0) set_nonblock(stdin_fd);

  {
    char ok[48];
    int n = snprintf(ok, sizeof ok, "{\"data\": %d}\n", (int)cpid);
    write_all(SYNC_FD, ok, (size_t)n);
  }
  close(SYNC_FD);
  close(START_FD);
  dup2(devnull, 0);
  dup2(devnull, 1);
  dup2(devnull, 2);

  /* ---------- until the container's init exits ---------- */
  int status = -1;
  struct timespec exited_at = {0, 0};
  while (status < 0) {
    struct pollfd pf[8 + MAX_CLIENTS];
    int n = 0, i_out[2] = {-1, -1}, i_cli = -1;
    pf[n++] = (struct pollfd){sfd, POLLIN, 0};
    pf[n++] = (struct pollfd){ctl, POLLIN, 0};
    pf[n++] = (struct pollfd){attach, n_clients < MAX_CLIENTS ? POLLIN : 0, 0};
    int i_stdin = -1;
    if (in_len > 0 && stdin_fd >= 0) {
      i_stdin = n;
      pf[n++] = (struct pollfd){stdin_fd, POLLOUT, 0};
    }
    for (int s = 0; s < 2; s++)
      if (streams[s].fd >= 0) {
        i_out[s] = n;
        pf[n++] = (struct pollfd){streams[s].fd, POLLIN, 0};
      }
    i_cli = n;
    /* While stdin is full, clients wait (their input stays in their sockets). */
    for (int c = 0; c < n_clients; c++) pf[n++] = (struct pollfd){clients[c], in_len > 0 ? 0 : POLLIN, 0};

    if (poll(pf, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (pf[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
      }
      int st;
      pid_t w;
      while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
        if (w == cpid) {
          status = st;
          clock_gettime(CLOCK_REALTIME, &exited_at);
        }
      }
    }
    if (pf[1].revents & POLLIN) ctl_input(ctl);
    if (pf[2].revents & POLLIN) {
      int c = accept4(attach, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (c >= 0) clients[n_clients++] = c;
    }
    if (i_stdin >= 0 && pf[i_stdin].revents) flush_stdin();
    for (int s = 0; s < 2; s++)
      if (i_out[s] >= 0 && pf[i_out[s]].revents && streams[s].fd >= 0) pump_stream(&streams[s], 0);
    /* Clients from the end: drop_client moves the last one into the hole. */
    for (int c = n_clients - 1; c >= 0; c--)
      if (i_cli + c < n && pf[i_cli + c].revents) client_input(c);
  }

  /* Everything written before the exit is in the pipes: log it, then report. */
  for (int s = 0; s < 2; s++)
    if (streams[s].fd >= 0) {
      pump_stream(&streams[s], 1);
      close_partial(&streams[s]);
    }
  char code[16];
  snprintf(code, sizeof code, "%d", status < 0 ? 255 : exit_code_of(status));
  write_file_whole(o.persist_dir, "exit", code, &exited_at);
  write_file_whole(o.exit_dir, o.id, code, &exited_at);
  for (int c = 0; c < n_clients; c++) close(clients[c]);
  return 0;
}
