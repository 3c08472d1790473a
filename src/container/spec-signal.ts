// The signal that stops a container. It is not part of the OCI spec: the
// lifecycle sends it. CRI stop_signal wins, then the image's StopSignal, then
// SIGTERM. Pure.
import { Signal } from '../api/gen/api.js';
import { invalidArgument } from '../util/errors.js';

const LINUX_SIGNALS: readonly string[] = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1',
  'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP',
  'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];
const SIGRTMIN = 34;
const SIGRTMAX = 64;
const ALIASES: Record<string, string> = { SIGIOT: 'SIGABRT', SIGPOLL: 'SIGIO', SIGCLD: 'SIGCHLD' };

/** Canonical name of a CRI Signal (SIGRTMINPLUS3 → SIGRTMIN+3); undefined for RUNTIME_DEFAULT. */
export function criSignalName(s: Signal): string | undefined {
  if (s === Signal.RUNTIME_DEFAULT) return undefined;
  const name = Signal[s];
  if (name === undefined || s < 0) throw invalidArgument('cri', `stop_signal: unknown value ${s}`);
  return canonicalSignal(name.replace('PLUS', '+').replace('MINUS', '-')) ?? name;
}

/** SIGTERM, TERM, 15, SIGRTMIN+3, RTMAX-1 … → the SIG-prefixed name; undefined when not a signal. */
export function canonicalSignal(raw: string): string | undefined {
  const s = raw.trim().toUpperCase();
  if (/^\d+$/.test(s)) return signalByNumber(Number(s));
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  if (ALIASES[name]) return ALIASES[name];
  if (LINUX_SIGNALS.includes(name) && name !== '') return name;
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!rt) return undefined;
  const offset = rt[2] ? Number(`${rt[2]}${rt[3]}`) : 0;
  const n = (rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX) + offset;
  return n >= SIGRTMIN && n <= SIGRTMAX ? signalByNumber(n) : undefined;
}

/** The signal's number (SIGTERM → 15), for kill(2). */
export function signalNumber(name: string): number {
  const i = LINUX_SIGNALS.indexOf(name);
  if (i > 0) return i;
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!rt) throw invalidArgument('runtime', `"${name}" is not a signal`);
  return (rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX) + (rt[2] ? Number(`${rt[2]}${rt[3]}`) : 0);
}

function signalByNumber(n: number): string | undefined {
  if (n >= 1 && n < LINUX_SIGNALS.length) return LINUX_SIGNALS[n];
  if (n === SIGRTMIN) return 'SIGRTMIN';
  if (n === SIGRTMAX) return 'SIGRTMAX';
  if (n > SIGRTMIN && n <= SIGRTMIN + 15) return `SIGRTMIN+${n - SIGRTMIN}`;
  if (n > SIGRTMIN + 15 && n < SIGRTMAX) return `SIGRTMAX-${SIGRTMAX - n}`;
  return undefined;
}

/** The stop signal's name: CRI stop_signal, else the image's StopSignal, else SIGTERM. */
export function resolveStopSignal(criSignal: Signal, imageStopSignal: string | undefined): string {
  const fromCri = criSignalName(criSignal);
  if (fromCri) return fromCri;
  if (imageStopSignal && imageStopSignal.trim() !== '') {
    const name = canonicalSignal(imageStopSignal);
    if (!name) throw invalidArgument('cri', `image config StopSignal: "${imageStopSignal}" is not a signal`);
    return name;
  }
  return 'SIGTERM';
}
