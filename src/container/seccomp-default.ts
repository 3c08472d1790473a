// Berth's RuntimeDefault seccomp profile: the same policy as the Docker/moby
// and containerd default profile (deny by default with EPERM, an allow-list of
// ordinary syscalls, and the privileged ones allowed only when the container
// holds the capability that makes them meaningful). Kept in moby's format so
// specialiseSeccompProfile() can filter it per container.
import type { SeccompProfile, SeccompRule } from './seccomp-profile.js';

const list = (s: string): string[] => s.trim().split(/\s+/);

// Syscalls any unprivileged process may use. Names unknown to the host's
// libseccomp (newer syscalls, other architectures' variants) are skipped by runc.
const ALWAYS_ALLOWED = [
  // processes and threads (clone/clone3 are conditional, below)
  'execve execveat exit exit_group fork vfork wait4 waitid waitpid pause',
  'getpid getppid gettid getpgid getpgrp getsid setsid setpgid set_tid_address',
  'set_robust_list get_robust_list rseq restart_syscall prctl capget capset',
  'kill tgkill tkill pidfd_open pidfd_send_signal process_mrelease',
  // identity
  'getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32',
  'getresuid getresuid32 getresgid getresgid32 getgroups getgroups32',
  'setuid setuid32 setgid setgid32 setreuid setreuid32 setregid setregid32',
  'setresuid setresuid32 setresgid setresgid32 setfsuid setfsuid32 setfsgid setfsgid32',
  'setgroups setgroups32',
  // signals
  'rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend',
  'rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sigaltstack signalfd signalfd4',
  'sigprocmask sigreturn',
  // memory
  'brk mmap mmap2 munmap mremap mprotect madvise mincore mlock mlock2 mlockall',
  'munlock munlockall msync membarrier memfd_create memfd_secret remap_file_pages',
  'pkey_alloc pkey_free pkey_mprotect',
  // clocks and timers (reading; setting the clock needs CAP_SYS_TIME)
  'alarm clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime',
  'clock_gettime64 clock_nanosleep clock_nanosleep_time64 nanosleep gettimeofday time times',
  'getitimer setitimer timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64',
  'timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64',
  'timerfd_settime timerfd_settime64 adjtimex utime utimes utimensat utimensat_time64 futimesat',
  // scheduling and limits
  'sched_getaffinity sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min',
  'sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity',
  'sched_setattr sched_setparam sched_setscheduler sched_yield getpriority setpriority',
  'ioprio_get ioprio_set getrlimit setrlimit ugetrlimit prlimit64 getrusage getcpu sysinfo uname umask',
  // files and directories
  'access faccessat faccessat2 chdir fchdir getcwd chmod fchmod fchmodat',
  'chown chown32 fchown fchown32 fchownat lchown lchown32',
  'close close_range creat open openat openat2 name_to_handle_at',
  'read readv pread64 preadv preadv2 write writev pwrite64 pwritev pwritev2 lseek _llseek',
  'dup dup2 dup3 fcntl fcntl64 flock fsync fdatasync sync syncfs sync_file_range fallocate',
  'ftruncate ftruncate64 truncate truncate64 fadvise64 fadvise64_64 readahead',
  'copy_file_range sendfile sendfile64 splice tee vmsplice',
  'stat stat64 lstat lstat64 fstat fstat64 fstatat64 newfstatat statx statfs statfs64 fstatfs fstatfs64',
  'getdents getdents64 link linkat symlink symlinkat unlink unlinkat rename renameat renameat2',
  'mkdir mkdirat rmdir mknod mknodat readlink readlinkat',
  // extended attributes
  'getxattr lgetxattr fgetxattr setxattr lsetxattr fsetxattr listxattr llistxattr flistxattr',
  'removexattr lremovexattr fremovexattr',
  // waiting for events
  'epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old',
  'eventfd eventfd2 poll ppoll ppoll_time64 select _newselect pselect6 pselect6_time64',
  'inotify_add_watch inotify_init inotify_init1 inotify_rm_watch fanotify_mark',
  'futex futex_time64 futex_waitv pipe pipe2',
  // asynchronous I/O
  'io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents io_pgetevents_time64',
  'io_uring_enter io_uring_register io_uring_setup',
  // sockets (socket itself is filtered below)
  'accept accept4 bind connect listen getpeername getsockname getsockopt setsockopt',
  'recv recvfrom recvmsg recvmmsg recvmmsg_time64 send sendto sendmsg sendmmsg shutdown socketpair socketcall',
  // System V and POSIX IPC (scoped by the IPC namespace)
  'ipc msgctl msgget msgrcv msgsnd semctl semget semop semtimedop semtimedop_time64',
  'shmat shmctl shmdt shmget mq_getsetattr mq_notify mq_open mq_timedreceive',
  'mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink',
  // misc
  'getrandom ioctl seccomp landlock_add_rule landlock_create_ruleset landlock_restrict_self',
  'get_thread_area set_thread_area',
].flatMap(list);

const allow = (names: string, extra: Omit<SeccompRule, 'names' | 'action'> = {}): SeccompRule => ({
  names: list(names),
  action: 'SCMP_ACT_ALLOW',
  ...extra,
});

const withCap = (cap: string, names: string): SeccompRule => allow(names, { includes: { caps: [cap] } });

/** personality(2) values that do not weaken the process: PER_LINUX, UNAME26, ADDR_NO_RANDOMIZE and both, and the 0xffffffff query. */
const SAFE_PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: creating namespaces needs CAP_SYS_ADMIN. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;

const AF_VSOCK = 40;

export const DEFAULT_SECCOMP_PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1, // EPERM
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ALWAYS_ALLOWED, action: 'SCMP_ACT_ALLOW' },
    // Since 4.8 ptrace cannot be used to bypass seccomp, so it is safe without CAP_SYS_PTRACE.
    allow('process_vm_readv process_vm_writev ptrace', { includes: { minKernel: '4.8' } }),
    // Any socket family except vsock (host/VM channels).
    allow('socket', { args: [{ index: 0, value: AF_VSOCK, valueTwo: 0, op: 'SCMP_CMP_NE' }] }),
    ...SAFE_PERSONALITIES.map((p) => allow('personality', { args: [{ index: 0, value: p, valueTwo: 0, op: 'SCMP_CMP_EQ' }] })),
    // Architecture-specific calls.
    allow('arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls', { includes: { arches: ['arm', 'arm64'] } }),
    allow('arch_prctl', { includes: { arches: ['amd64', 'x32'] } }),
    allow('modify_ldt', { includes: { arches: ['amd64', 'x32', 'x86'] } }),
    // Capability-gated calls: allowed when the container holds the capability.
    withCap('CAP_DAC_READ_SEARCH', 'open_by_handle_at'),
    withCap(
      'CAP_SYS_ADMIN',
      'bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr ' +
        'move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog umount umount2 unshare',
    ),
    // Without CAP_SYS_ADMIN: clone only when no namespace flag is set …
    allow('clone', {
      args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      excludes: { caps: ['CAP_SYS_ADMIN'] },
    }),
    // … and clone3 (flags in a struct seccomp cannot inspect) fails with ENOSYS so libc falls back to clone.
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    withCap('CAP_SYS_BOOT', 'reboot'),
    withCap('CAP_SYS_CHROOT', 'chroot'),
    withCap('CAP_SYS_MODULE', 'delete_module init_module finit_module'),
    withCap('CAP_SYS_PACCT', 'acct'),
    withCap('CAP_SYS_PTRACE', 'kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace'),
    withCap('CAP_SYS_RAWIO', 'iopl ioperm'),
    withCap('CAP_SYS_TIME', 'settimeofday stime clock_settime clock_settime64'),
    withCap('CAP_SYS_TTY_CONFIG', 'vhangup'),
    withCap('CAP_SYS_NICE', 'get_mempolicy mbind set_mempolicy set_mempolicy_home_node'),
    withCap('CAP_SYSLOG', 'syslog'),
    withCap('CAP_BPF', 'bpf'),
    withCap('CAP_PERFMON', 'perf_event_open'),
  ],
};
