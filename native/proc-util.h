/* Small pieces both of Berth's runtime-facing helpers need (berth-stream for
 * exec sessions, berth-mon for containers): the shell's convention for an
 * exit status, and taking the terminal fd runc sends over --console-socket. */
#ifndef BERTH_PROC_UTIL_H
#define BERTH_PROC_UTIL_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

/* 128+signal for a killed process, as a shell reports it and as CRI expects. */
static int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

/* One fd passed as SCM_RIGHTS (runc's console socket sends the pty master with
 * the terminal's name as data); -1 with errno EPROTO when the message has none. */
static int recv_fd(int sock) {
  char name[256];
  struct iovec iov = {name, sizeof name};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof u.buf;
  if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
    errno = EPROTO;
    return -1;
  }
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

#endif
