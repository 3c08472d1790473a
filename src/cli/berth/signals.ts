// Signal names and numbers (Linux x86/arm), as docker kill -s takes them.
import { constants } from 'node:os';

/** "KILL", "SIGKILL", "9", "sigterm" → the signal's name (SIGKILL); undefined when unknown. */
export function parseSignal(text: string): NodeJS.Signals | undefined {
  const t = text.trim().toUpperCase();
  const table = constants.signals as Record<string, number>;
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return Object.keys(table).find((k) => table[k] === n) as NodeJS.Signals | undefined;
  }
  const name = t.startsWith('SIG') ? t : `SIG${t}`;
  return name in table ? (name as NodeJS.Signals) : undefined;
}

export const SIGNAL_NAMES = Object.keys(constants.signals).map((s) => s.slice(3));
