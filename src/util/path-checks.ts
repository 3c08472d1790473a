// Checks for paths and strings that come from a CRI request and end up in a
// file system call, a spawned argument vector or a file Berth writes. Pure.
// Found by fuzzing: without them, `log_path: ../../x` wrote outside the pod's
// log directory, `host_path: /tmp/../x` created /x, and NUL bytes or overlong
// names reached runc or spawn() and came back as INTERNAL errors.
import { join, normalize } from 'node:path';
import { invalidArgument } from './errors.js';

const PATH_MAX = 4095;
const NAME_MAX = 255;

/** No NUL byte (C strings: argv, env, paths) — InvalidArgument naming `field`. */
export function noNul(value: string, field: string): void {
  if (value.includes('\0')) throw invalidArgument('cri', `${field}: contains a NUL byte`);
}

/** A Kubernetes object name (metadata name, namespace, uid): it becomes a process argument and CNI_ARGS. */
export function checkName(value: string, field: string): void {
  noNul(value, field);
  if (Buffer.byteLength(value) > 253) throw invalidArgument('cri', `${field}: longer than 253 bytes`);
}

/** An argument vector execve(2) accepts: no NUL, no argument above the kernel's 128 KiB, 1 MiB in all. */
export function checkArgv(argv: readonly string[], field: string): void {
  let total = 0;
  argv.forEach((a, i) => {
    noNul(a, `${field}[${i}]`);
    const n = Buffer.byteLength(a);
    if (n >= 131072) throw invalidArgument('cri', `${field}[${i}]: ${n} bytes; an argument is limited to 128 KiB`);
    total += n + 1;
  });
  if (total > 1 << 20) throw invalidArgument('cri', `${field}: ${total} bytes of arguments; at most 1 MiB`);
}

/** No line break either: the value becomes one line of a file (resolv.conf). */
export function singleLine(value: string, field: string): void {
  if (/[\0\r\n]/.test(value)) throw invalidArgument('cri', `${field}: must be a single line without NUL bytes`);
}

/** An absolute path without `..` segments or NUL bytes, of a length the kernel accepts (Kubernetes forbids backsteps in host paths too). */
export function checkAbsolutePath(value: string, field: string): void {
  noNul(value, field);
  if (!value.startsWith('/')) throw invalidArgument('cri', `${field}: "${value.slice(0, 200)}" must be absolute`);
  checkSegments(value, field);
}

/** `relative` joined under `dir`, refused when it would leave `dir` (or is not a usable file name). */
export function pathInside(dir: string, relative: string, field: string): string {
  noNul(relative, field);
  checkSegments(relative, field);
  const full = join(dir, relative);
  const base = normalize(`${dir}/`);
  if (!full.startsWith(base) || full.length <= base.length) throw invalidArgument('cri', `${field}: "${relative.slice(0, 200)}" leads outside ${dir}`);
  return full;
}

function checkSegments(value: string, field: string): void {
  if (Buffer.byteLength(value) > PATH_MAX) throw invalidArgument('cri', `${field}: longer than ${PATH_MAX} bytes`);
  for (const s of value.split('/')) {
    if (s === '..') throw invalidArgument('cri', `${field}: "${value.slice(0, 200)}" must not contain ".."`);
    if (Buffer.byteLength(s) > NAME_MAX) throw invalidArgument('cri', `${field}: a path component is longer than ${NAME_MAX} bytes`);
  }
}
