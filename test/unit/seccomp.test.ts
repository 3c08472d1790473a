// The shipped RuntimeDefault profile, its specialisation per container, and
// the validator for Localhost profiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SECCOMP_PROFILE } from '../../src/container/seccomp-default.js';
import { goArch, parseKernelVersion, parseSeccompProfile, specialiseSeccompProfile } from '../../src/container/seccomp-profile.js';
import type { OciSeccomp } from '../../src/container/oci-spec-types.js';
import { DEFAULT_CAPABILITIES } from '../../src/container/spec-capabilities.js';
import { BerthError, Code } from '../../src/util/errors.js';

const amd64 = (caps: readonly string[] = DEFAULT_CAPABILITIES, kernel = { major: 6, minor: 1 }) =>
  specialiseSeccompProfile(DEFAULT_SECCOMP_PROFILE, { capabilities: caps, arch: 'amd64', kernel });

/** Every rule naming the syscall. */
const rulesFor = (s: OciSeccomp, name: string) => (s.syscalls ?? []).filter((r) => r.names.includes(name));
const allowed = (s: OciSeccomp, name: string) => rulesFor(s, name).some((r) => r.action === 'SCMP_ACT_ALLOW');

test('default profile: deny with EPERM, x86 family architectures', () => {
  const s = amd64();
  assert.equal(s.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.defaultErrnoRet, 1);
  assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  for (const r of s.syscalls ?? []) {
    assert.ok(r.names.length > 0);
    assert.ok(!('includes' in r) && !('excludes' in r) && !('comment' in r), 'OCI rules carry no moby-only keys');
  }
});

test('default profile: the ordinary allow-list is unconditional', () => {
  const s = amd64([]);
  const base = s.syscalls?.[0];
  assert.equal(base?.action, 'SCMP_ACT_ALLOW');
  assert.equal(base?.names.length, 349);
  assert.equal(new Set(base?.names).size, 349, 'no duplicates');
  for (const n of ['read', 'write', 'execve', 'openat', 'io_uring_setup', 'getrandom', 'rseq', 'close_range']) assert.ok(allowed(s, n), n);
  for (const n of ['mount', 'umount2', 'unshare', 'setns', 'reboot', 'init_module', 'kexec_load', 'bpf', 'perf_event_open', 'keyctl', 'add_key', 'userfaultfd', 'chroot', 'acct', 'settimeofday', 'open_by_handle_at']) {
    assert.ok(!allowed(s, n), `${n} must not be allowed without capabilities`);
  }
});

test('default profile: argument filters for socket, personality and clone', () => {
  const s = amd64();
  assert.deepEqual(rulesFor(s, 'socket'), [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, valueTwo: 0, op: 'SCMP_CMP_NE' }] }]);
  assert.deepEqual(
    rulesFor(s, 'personality').map((r) => r.args?.[0]?.value),
    [0, 8, 0x20000, 0x20008, 0xffffffff],
  );
  assert.ok(rulesFor(s, 'personality').every((r) => r.args?.[0]?.op === 'SCMP_CMP_EQ'));
  assert.deepEqual(rulesFor(s, 'clone'), [
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
  ]);
  assert.deepEqual(rulesFor(s, 'clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
});

test('default profile: CAP_SYS_ADMIN allows mount and unfiltered clone, drops the clone filters', () => {
  const s = amd64([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);
  for (const n of ['mount', 'umount2', 'unshare', 'setns', 'sethostname', 'clone', 'clone3', 'bpf']) assert.ok(allowed(s, n), n);
  const clone = rulesFor(s, 'clone');
  assert.equal(clone.length, 1);
  assert.equal(clone[0]?.args, undefined);
  assert.ok(rulesFor(s, 'clone3').every((r) => r.action === 'SCMP_ACT_ALLOW'));
});

test('default profile: each capability unlocks its syscalls', () => {
  const cases: [string, string[]][] = [
    ['CAP_SYS_CHROOT', ['chroot']],
    ['CAP_SYS_BOOT', ['reboot']],
    ['CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module']],
    ['CAP_SYS_PACCT', ['acct']],
    ['CAP_SYS_PTRACE', ['kcmp', 'pidfd_getfd', 'process_madvise']],
    ['CAP_SYS_RAWIO', ['iopl', 'ioperm']],
    ['CAP_SYS_TIME', ['settimeofday', 'clock_settime']],
    ['CAP_SYS_TTY_CONFIG', ['vhangup']],
    ['CAP_SYS_NICE', ['mbind', 'set_mempolicy']],
    ['CAP_SYSLOG', ['syslog']],
    ['CAP_BPF', ['bpf']],
    ['CAP_PERFMON', ['perf_event_open']],
    ['CAP_DAC_READ_SEARCH', ['open_by_handle_at']],
  ];
  for (const [cap, names] of cases) {
    const without = amd64([]);
    const withCap = amd64([cap]);
    for (const n of names) {
      assert.ok(!allowed(without, n), `${n} without ${cap}`);
      assert.ok(allowed(withCap, n), `${n} with ${cap}`);
    }
  }
  // The default set includes CAP_SYS_CHROOT.
  assert.ok(allowed(amd64(), 'chroot'));
});

test('default profile: ptrace needs kernel 4.8 or CAP_SYS_PTRACE', () => {
  assert.ok(allowed(amd64([], { major: 4, minor: 8 }), 'ptrace'));
  assert.ok(allowed(amd64([], { major: 5, minor: 0 }), 'ptrace'));
  assert.ok(!allowed(amd64([], { major: 4, minor: 4 }), 'ptrace'));
  assert.ok(allowed(amd64(['CAP_SYS_PTRACE'], { major: 4, minor: 4 }), 'ptrace'));
  // Unknown kernel: assume new enough.
  assert.ok(allowed(specialiseSeccompProfile(DEFAULT_SECCOMP_PROFILE, { capabilities: [], arch: 'amd64' }), 'ptrace'));
});

test('default profile: architecture-specific rules', () => {
  const x86 = amd64();
  assert.ok(allowed(x86, 'arch_prctl'));
  assert.ok(allowed(x86, 'modify_ldt'));
  assert.ok(!allowed(x86, 'set_tls'));

  const arm = specialiseSeccompProfile(DEFAULT_SECCOMP_PROFILE, { capabilities: DEFAULT_CAPABILITIES, arch: 'arm64' });
  assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  for (const n of ['set_tls', 'cacheflush', 'arm_fadvise64_64', 'breakpoint']) assert.ok(allowed(arm, n), n);
  assert.ok(!allowed(arm, 'arch_prctl'));
  assert.ok(!allowed(arm, 'modify_ldt'));

  // 386 is the profile's "x86".
  const i386 = specialiseSeccompProfile(DEFAULT_SECCOMP_PROFILE, { capabilities: [], arch: '386' });
  assert.ok(allowed(i386, 'modify_ldt'));
  assert.equal(i386.architectures, undefined, 'no archMap entry: the runtime uses the native one');
});

test('goArch and parseKernelVersion', () => {
  assert.equal(goArch('x64'), 'amd64');
  assert.equal(goArch('arm64'), 'arm64');
  assert.equal(goArch('ia32'), '386');
  assert.equal(goArch('mips'), 'mips');
  assert.deepEqual(parseKernelVersion('6.1.0-18-amd64'), { major: 6, minor: 1 });
  assert.deepEqual(parseKernelVersion('4.8'), { major: 4, minor: 8 });
  assert.equal(parseKernelVersion('abc'), undefined);
});

test('specialise: profile architectures (OCI style) are kept as given; flags and listener pass through', () => {
  const p = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      listenerPath: '/run/agent.sock',
      syscalls: [{ names: ['chmod'], action: 'SCMP_ACT_NOTIFY' }],
    }),
    '/p.json',
  );
  assert.deepEqual(specialiseSeccompProfile(p, { capabilities: [], arch: 'arm64' }), {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
    flags: ['SECCOMP_FILTER_FLAG_LOG'],
    listenerPath: '/run/agent.sock',
    syscalls: [{ names: ['chmod'], action: 'SCMP_ACT_NOTIFY' }],
  });
});

test('parse: the profiles critest uses (no errnoRet, no architectures)', () => {
  const p = parseSeccompProfile(
    `{
     "defaultAction": "SCMP_ACT_ALLOW",
     "syscalls": [ { "names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO" } ]
}`,
    '/var/lib/kubelet/seccomp/block-chmod.json',
  );
  assert.deepEqual(specialiseSeccompProfile(p, { capabilities: DEFAULT_CAPABILITIES, arch: 'amd64' }), {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['chmod', 'fchmodat'], action: 'SCMP_ACT_ERRNO' }],
  });
});

test('parse: Docker format with archMap, includes/excludes, legacy name, lower-case caps', () => {
  const p = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: null }],
      syscalls: [
        { name: 'read', action: 'SCMP_ACT_ALLOW' },
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['sys_admin'] } },
        { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 9, op: 'SCMP_CMP_NE' }], excludes: { arches: ['arm64'] }, comment: 'no SIGKILL' },
      ],
    }),
    'p',
  );
  assert.deepEqual(p.syscalls[1]?.includes, { caps: ['CAP_SYS_ADMIN'] });
  const s = specialiseSeccompProfile(p, { capabilities: [], arch: 'amd64' });
  assert.deepEqual(s, {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 9, op: 'SCMP_CMP_NE' }] },
    ],
  });
  assert.equal(specialiseSeccompProfile(p, { capabilities: ['CAP_SYS_ADMIN'], arch: 'arm64' }).syscalls?.map((r) => r.names[0]).join(), 'read,mount');
});

test('parse: clear InvalidArgument naming the file and the field', () => {
  const bad: [string, RegExp][] = [
    ['{', /\/x\.json: not valid JSON/],
    ['[]', /must be a JSON object/],
    ['{}', /defaultAction: unknown action undefined/],
    ['{"defaultAction":"SCMP_ACT_DENY"}', /defaultAction: unknown action "SCMP_ACT_DENY"/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":{}}', /syscalls: must be an array/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ERRNO"}]}', /syscalls\[0\]: has no syscall names/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ch mod"],"action":"SCMP_ACT_ERRNO"}]}', /syscalls\[0\]\.names\[0\]: "ch mod" is not a syscall name/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"X"}]}', /syscalls\[0\]\.action: unknown action "X"/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","errnoRet":-1}]}', /syscalls\[0\]\.errnoRet: must be a non-negative integer/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}', /args\[0\]\.index: must be 0…5/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"EQ"}]}]}', /args\[0\]\.op: unknown operator "EQ"/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}', /above 2\^53/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"archMap":[]}', /either "architectures" or "archMap"/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","architectures":["x86_64"]}', /architectures\[0\]: "x86_64" is not an SCMP_ARCH_ name/],
    ['{"defaultAction":"SCMP_ACT_NOTIFY"}', /SCMP_ACT_NOTIFY needs a listenerPath/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","includes":{"minKernel":"new"}}]}', /includes\.minKernel: "new" is not a kernel version/],
  ];
  for (const [text, msg] of bad) {
    assert.throws(
      () => parseSeccompProfile(text, '/x.json'),
      (e: unknown) => e instanceof BerthError && e.code === Code.InvalidArgument && msg.test(e.message) && e.message.includes('/x.json'),
      text,
    );
  }
});

test('parse: the shipped profile survives a JSON round trip through the validator', () => {
  const again = parseSeccompProfile(JSON.stringify(DEFAULT_SECCOMP_PROFILE), 'default');
  assert.deepEqual(specialiseSeccompProfile(again, { capabilities: DEFAULT_CAPABILITIES, arch: 'amd64' }), amd64());
});
