// berth-stream: the small helper process berthd's streaming backend runs for
// what Node.js cannot do on its own (see docs/architecture.md, Streaming):
//
//   exec <tty 0|1> <pidfile> <runtime> [runtime global args…] -- <id> <cmd> [args…]
//       Runs `<runtime> exec -d --pid-file <pidfile> [-t --console-socket S] <id> <cmd…>`
//       as a child subreaper, so the exec'd process becomes our child and we
//       can wait for its exit status. With tty 1 it receives the pty master
//       over the console socket (SCM_RIGHTS) and relays stdin → pty → stdout;
//       fd 4 takes "<rows> <cols>\n" lines (TIOCSWINSZ). With tty 0 the process
//       inherits our fds 0-2 directly (no copy) and we let go of them.
//       fd 3 gets "started <pid>\n", then "exit <code>\n" (128+signal); a
//       runtime failure is "failed <status>\n" with the runtime's message on
//       stderr.
//   attach <dir> <at stdin EOF: 0 keep | 1 half-close | 2 detach>
//       Connects to conmon's SOCK_SEQPACKET attach socket <dir>/attach
//       ("connected\n" on fd 3, else exit 2 with the reason on stderr):
//       stdin → packets; packets tagged 2/3 → fd 1/2. At stdin EOF: 1 shuts
//       the socket down for writing (conmon then closes a stdin_once
//       container's stdin) and relays output until conmon closes; 2 relays
//       what output is already queued and exits (the client detached).
//   dial <netns path | -> <port>
//       Joins the network namespace, connects to 127.0.0.1:<port>, else
//       [::1]:<port> ("connected\n" on fd 3), and copies both ways with
//       half-close. Exit 2 with the reason on stderr when it cannot connect.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
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
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "proc-util.h"

#define STATUS_FD 3
#define RESIZE_FD 4
#define BUF 65536
#define ATTACH_PACKET 8192 /* conmon reads stdin packets into 32 KiB; stay well below */

static void die(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("berth-stream: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(code);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pf = {fd, POLLOUT, 0};
        poll(&pf, 1, -1);
        continue;
      }
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void status_line(const char *fmt, ...) {
  char line[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0) write_all(STATUS_FD, line, (size_t)n);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------- exec ---------- */

static volatile sig_atomic_t exec_pid = 0;

// berthd died (PDEATHSIG) or asked us to stop: take the exec'd process along.
static void on_term(int sig) {
  (void)sig;
  if (exec_pid > 0) kill(exec_pid, SIGKILL);
  _exit(137);
}

// Statuses of children reaped before we knew which pid was the exec'd one.
#define MAX_EARLY 64
static struct {
  pid_t pid;
  int status;
} early[MAX_EARLY];
static int n_early = 0;

// Reaps every child that has exited; returns the runtime's / exec'd process's status when seen.
static void reap(pid_t runtime, int *runtime_status, int *exec_status) {
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    if (p <= 0) return;
    if (p == runtime) *runtime_status = st;
    else if (exec_pid > 0 && p == exec_pid) *exec_status = st;
    else if (n_early < MAX_EARLY) {
      early[n_early].pid = p;
      early[n_early].status = st;
      n_early++;
    }
  }
}

static pid_t read_pidfile(const char *path) {
  char b[32] = {0};
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, b, sizeof b - 1);
  close(fd);
  if (n <= 0) return -1;
  return (pid_t)atoi(b);
}

static void set_winsize(int master, const char *line) {
  unsigned rows, cols;
  if (sscanf(line, "%u %u", &rows, &cols) != 2) return;
  struct winsize ws = {0};
  ws.ws_row = (unsigned short)rows;
  ws.ws_col = (unsigned short)cols;
  ioctl(master, TIOCSWINSZ, &ws);
}

// Reads resize lines from fd 4; applies complete ones. Returns 0 at EOF.
static int pump_resize(int master, char *acc, size_t *len) {
  ssize_t n = read(RESIZE_FD, acc + *len, 255 - *len);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return 0;
  *len += (size_t)n;
  acc[*len] = 0;
  char *start = acc, *nl;
  while ((nl = strchr(start, '\n'))) {
    *nl = 0;
    if (master >= 0) set_winsize(master, start);
    start = nl + 1;
  }
  *len = strlen(start);
  memmove(acc, start, *len + 1);
  if (*len >= 255) *len = 0;
  return 1;
}

static void drain_signalfd(int sfd) {
  struct signalfd_siginfo si;
  while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
  }
}

static int cmd_exec(int argc, char **argv) {
  if (argc < 6) die(64, "usage: exec <tty 0|1> <pidfile> <runtime> [args…] -- <id> <cmd…>");
  int tty = strcmp(argv[2], "1") == 0;
  const char *pidfile = argv[3];
  int sep = -1;
  for (int i = 4; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      sep = i;
      break;
    }
  if (sep < 0 || argc - sep < 3) die(64, "exec: missing -- <id> <cmd>");

  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, on_term);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) on_term(SIGTERM);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die(70, "prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));

  // The console socket: a short name relative to the pid file's directory
  // (sun_path holds 108 bytes; bundle paths are longer). runc dials it from
  // our working directory.
  int lsock = -1;
  char sockname[64];
  if (tty) {
    char *dir = strdup(pidfile);
    if (chdir(dirname(dir)) < 0) die(70, "chdir for the console socket: %s", strerror(errno));
    free(dir);
    snprintf(sockname, sizeof sockname, "console-%d.sock", (int)getpid());
    unlink(sockname);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, sockname);
    lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lsock < 0 || bind(lsock, (struct sockaddr *)&a, sizeof a) < 0 || listen(lsock, 1) < 0)
      die(70, "console socket: %s", strerror(errno));
  }

  // runtime [global args] exec -d --pid-file P [-t --console-socket S] <id> <cmd…>
  int nglobal = sep - 5;
  int ntail = argc - sep - 1;
  char **rargv = calloc((size_t)(1 + nglobal + 8 + ntail + 1), sizeof *rargv);
  int k = 0;
  rargv[k++] = argv[4];
  for (int i = 5; i < sep; i++) rargv[k++] = argv[i];
  rargv[k++] = "exec";
  rargv[k++] = "-d";
  rargv[k++] = "--pid-file";
  rargv[k++] = (char *)pidfile;
  if (tty) {
    rargv[k++] = "-t";
    rargv[k++] = "--console-socket";
    rargv[k++] = sockname;
  }
  for (int i = sep + 1; i < argc; i++) rargv[k++] = argv[i];
  rargv[k] = NULL;

  // Children's exits wake poll() through a signalfd (no polling interval on the session's start or end).
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die(70, "signalfd: %s", strerror(errno));

  pid_t runtime = fork();
  if (runtime < 0) die(70, "fork: %s", strerror(errno));
  if (runtime == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (tty) {
      // The process gets the pty; the runtime itself needs no input or output but stderr.
      int dn = open("/dev/null", O_RDWR);
      dup2(dn, 0);
      dup2(dn, 1);
    }
    close(STATUS_FD);
    close(RESIZE_FD);
    execvp(rargv[0], rargv);
    fprintf(stderr, "berth-stream: cannot run %s: %s\n", rargv[0], strerror(errno));
    _exit(127);
  }

  int runtime_status = -1, exec_status = -1, master = -1;
  while (runtime_status < 0) {
    struct pollfd pf[2] = {{sfd, POLLIN, 0}, {lsock, POLLIN, 0}};
    int r = poll(pf, lsock >= 0 ? 2 : 1, 1000);
    drain_signalfd(sfd);
    if (r > 0 && lsock >= 0 && (pf[1].revents & POLLIN)) {
      int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
      if (c >= 0) {
        master = recv_fd(c);
        close(c);
        close(lsock);
        lsock = -1;
        unlink(sockname);
      }
    }
    reap(runtime, &runtime_status, &exec_status);
  }
  if (lsock >= 0) {
    close(lsock);
    unlink(sockname);
  }
  if (!WIFEXITED(runtime_status) || WEXITSTATUS(runtime_status) != 0) {
    status_line("failed %d\n", exit_code_of(runtime_status));
    return 0;
  }
  pid_t pid = read_pidfile(pidfile);
  if (pid <= 0) {
    fprintf(stderr, "berth-stream: the runtime wrote no pid to %s\n", pidfile);
    status_line("failed 255\n");
    return 0;
  }
  exec_pid = pid;
  for (int i = 0; i < n_early; i++)
    if (early[i].pid == pid) exec_status = early[i].status;
  status_line("started %d\n", (int)pid);

  if (!tty) {
    // The process has our stdio; holding it would keep berthd's pipes open past its exit.
    int dn = open("/dev/null", O_RDWR);
    dup2(dn, 0);
    dup2(dn, 1);
    dup2(dn, 2);
    close(dn);
    while (exec_status < 0) {
      int st;
      pid_t p = waitpid(-1, &st, 0);
      if (p == pid) exec_status = st;
      else if (p < 0 && errno == ECHILD) break;
    }
    status_line("exit %d\n", exec_status < 0 ? 255 : exit_code_of(exec_status));
    return 0;
  }

  if (master < 0) die(70, "the runtime sent no console");
  // A terminal client (raw mode) expects \r\n: keep ONLCR on, as conmon does.
  struct termios t;
  if (tcgetattr(master, &t) == 0) {
    t.c_oflag |= ONLCR;
    tcsetattr(master, TCSANOW, &t);
  }
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);

  char *out = malloc(BUF), *in = malloc(BUF);
  size_t in_len = 0, in_off = 0;
  char resize_acc[256] = {0};
  size_t resize_len = 0;
  // No client stdin (berthd gives /dev/null): nothing to relay, and no EOF to type.
  struct stat in_st;
  int stdin_open = !(fstat(0, &in_st) == 0 && S_ISCHR(in_st.st_mode));
  int resize_open = 1, master_open = 1, eof_pending = 0;
  // After the exit, what the pty still holds is drained; a background
  // process keeping the terminal open does not hold the session: once the
  // process is gone, 200 ms without output end it.
  long long quiet_since = -1;
  for (;;) {
    reap(runtime, &runtime_status, &exec_status);
    if (exec_status >= 0 && quiet_since < 0) quiet_since = now_ms();
    if (!master_open) break;
    if (quiet_since >= 0 && now_ms() - quiet_since > 200) break;
    int exited = quiet_since >= 0;

    struct pollfd pf[4];
    int n = 0, i_master = -1, i_stdin = -1, i_resize = -1;
    pf[n++] = (struct pollfd){sfd, POLLIN, 0};
    pf[n] = (struct pollfd){master, (short)(POLLIN | (in_len > in_off || eof_pending ? POLLOUT : 0)), 0};
    i_master = n++;
    if (stdin_open && in_len == in_off && !eof_pending && !exited) {
      pf[n] = (struct pollfd){0, POLLIN, 0};
      i_stdin = n++;
    }
    if (resize_open) {
      pf[n] = (struct pollfd){RESIZE_FD, POLLIN, 0};
      i_resize = n++;
    }
    int r = poll(pf, (nfds_t)n, exited ? 20 : 1000);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    drain_signalfd(sfd);

    if (pf[i_master].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
      ssize_t got = read(master, out, BUF);
      if (got > 0) {
        if (exited) quiet_since = now_ms();
        if (write_all(1, out, (size_t)got) < 0) master_open = 0; /* berthd went away */
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        master_open = 0; /* EIO: no process has the terminal open any more */
      }
    }
    if (master_open && (pf[i_master].revents & POLLOUT)) {
      if (in_len > in_off) {
        ssize_t w = write(master, in + in_off, in_len - in_off);
        if (w > 0) in_off += (size_t)w;
        if (in_off == in_len) in_off = in_len = 0;
      } else if (eof_pending) {
        // stdin closed: the terminal's end-of-file character, as typing ^D would.
        char eof = (char)(tcgetattr(master, &t) == 0 ? t.c_cc[VEOF] : 4);
        if (write(master, &eof, 1) == 1) eof_pending = 0;
      }
    }
    if (i_stdin >= 0 && (pf[i_stdin].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
      ssize_t got = read(0, in, BUF);
      if (got > 0) {
        in_len = (size_t)got;
        in_off = 0;
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        stdin_open = 0;
        eof_pending = 1;
      }
    }
    if (i_resize >= 0 && (pf[i_resize].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
      if (!pump_resize(master, resize_acc, &resize_len)) resize_open = 0;
    }
  }
  while (exec_status < 0) {
    int st;
    pid_t p = waitpid(-1, &st, 0);
    if (p == pid) exec_status = st;
    else if (p < 0 && errno == ECHILD) break;
  }
  close(1);
  status_line("exit %d\n", exec_status < 0 ? 255 : exit_code_of(exec_status));
  return 0;
}

/* ---------- attach ---------- */

static int cmd_attach(int argc, char **argv) {
  if (argc != 4) die(64, "usage: attach <dir> <at-stdin-eof 0|1|2>");
  int half_close = strcmp(argv[3], "1") == 0;
  int detach_at_eof = strcmp(argv[3], "2") == 0;
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // sun_path holds 108 bytes; the bundle path is longer: connect relative to it.
  if (chdir(argv[2]) < 0) die(2, "attach: %s: %s", argv[2], strerror(errno));
  int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strcpy(a.sun_path, "attach");
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0)
    die(2, "attach: connect %s/attach: %s", argv[2], strerror(errno));
  status_line("connected\n");
  close(STATUS_FD);

  char *pkt = malloc(BUF + 1);
  int stdin_open = 1;
  for (;;) {
    struct pollfd pf[2] = {{s, POLLIN, 0}, {0, POLLIN, 0}};
    int r = poll(pf, stdin_open ? 2 : 1, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (pf[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
      ssize_t n = recv(s, pkt, BUF + 1, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return 0; /* conmon closed: the container exited */
      int fd = pkt[0] == 2 ? 1 : pkt[0] == 3 ? 2 : -1;
      if (fd > 0 && n > 1 && write_all(fd, pkt + 1, (size_t)n - 1) < 0) return 0;
    }
    if (stdin_open && (pf[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
      ssize_t n = read(0, pkt, ATTACH_PACKET);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        stdin_open = 0;
        if (half_close) shutdown(s, SHUT_WR);
        if (detach_at_eof) {
          /* What conmon already sent is the client's; then let go. */
          ssize_t m;
          while ((m = recv(s, pkt, BUF + 1, MSG_DONTWAIT)) > 0) {
            int fd = pkt[0] == 2 ? 1 : pkt[0] == 3 ? 2 : -1;
            if (fd > 0 && m > 1 && write_all(fd, pkt + 1, (size_t)m - 1) < 0) break;
          }
          return 0;
        }
      } else if (send(s, pkt, (size_t)n, 0) < 0) {
        return 0;
      }
    }
  }
}

/* ---------- dial ---------- */

static int try_connect(int family, int port, char *why, size_t why_len) {
  int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    snprintf(why, why_len, "%s", strerror(errno));
    return -1;
  }
  int rc;
  if (family == AF_INET) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = connect(s, (struct sockaddr *)&a, sizeof a);
  } else {
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    a.sin6_addr = in6addr_loopback;
    rc = connect(s, (struct sockaddr *)&a, sizeof a);
  }
  if (rc < 0) {
    snprintf(why, why_len, "%s", strerror(errno));
    close(s);
    return -1;
  }
  return s;
}

static int cmd_dial(int argc, char **argv) {
  if (argc != 4) die(64, "usage: dial <netns path | -> <port>");
  int port = atoi(argv[3]);
  if (port < 1 || port > 65535) die(64, "dial: bad port %s", argv[3]);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (strcmp(argv[2], "-") != 0) {
    int ns = open(argv[2], O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) die(3, "cannot enter network namespace %s: %s", argv[2], strerror(errno));
    close(ns);
  }
  char why4[128], why6[128];
  int s = try_connect(AF_INET, port, why4, sizeof why4);
  if (s < 0) s = try_connect(AF_INET6, port, why6, sizeof why6);
  if (s < 0) die(2, "cannot connect to port %d in the pod: 127.0.0.1: %s; [::1]: %s", port, why4, why6);
  status_line("connected\n");
  close(STATUS_FD);

  char *buf = malloc(BUF);
  int up_open = 1, down_open = 1;
  while (up_open || down_open) {
    struct pollfd pf[2];
    int n = 0, i_up = -1, i_down = -1;
    if (up_open) {
      pf[n] = (struct pollfd){0, POLLIN, 0};
      i_up = n++;
    }
    if (down_open) {
      pf[n] = (struct pollfd){s, POLLIN, 0};
      i_down = n++;
    }
    if (poll(pf, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (i_up >= 0 && (pf[i_up].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
      ssize_t got = read(0, buf, BUF);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        up_open = 0;
        shutdown(s, SHUT_WR); /* the client finished sending */
      } else if (write_all(s, buf, (size_t)got) < 0) {
        die(1, "writing to port %d: %s", port, strerror(errno));
      }
    }
    if (i_down >= 0 && (pf[i_down].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
      ssize_t got = read(s, buf, BUF);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) die(1, "reading from port %d: %s", port, strerror(errno));
      if (got == 0) {
        down_open = 0;
        close(1); /* the pod side finished sending */
      } else if (write_all(1, buf, (size_t)got) < 0) {
        return 0; /* berthd closed the client side */
      }
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "exec") == 0) return cmd_exec(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "attach") == 0) return cmd_attach(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "dial") == 0) return cmd_dial(argc, argv);
  die(64, "usage: berth-stream exec|attach|dial …");
  return 64;
}
