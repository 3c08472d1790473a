// The one wrapper around CRIU itself: can it checkpoint on this host? runc
// drives CRIU for checkpoint and restore, but fails late and vaguely when
// CRIU cannot run at all; `criu check` says why up front (an old CRIU on a
// newer kernel, e.g. 3.17 on 6.x kernels whose vDSO layout it predates,
// missing kernel features, no CRIU installed). Probed once per daemon.
import { release } from 'node:os';
import { errorMessage } from '../util/errors.js';
import { excerpt, runTool } from '../util/run-tool.js';

export type CriuSupport = { ok: true; version: string } | { ok: false; reason: string };

const TIMEOUT_MS = 30_000;
let probed: Promise<CriuSupport> | undefined;

/** Pure: the lines of `criu check` output that say what failed ("Error (file:line): what" → "what"). */
export function criuCheckReason(output: string): string {
  const errors = output
    .split('\n')
    .map((l) => /^Error \([^)]*\):\s*(.*)$/.exec(l.trim())?.[1] ?? '')
    .filter(Boolean);
  return errors.length > 0 ? errors.join('; ') : excerpt(output) || 'no output';
}

async function probe(criu: string): Promise<CriuSupport> {
  let version = 'unknown version';
  try {
    const v = await runTool({ layer: 'runtime', cmd: criu, args: ['--version'], timeoutMs: TIMEOUT_MS });
    version = /Version:\s*(\S+)/.exec(v.stdout)?.[1] ?? version;
  } catch (e) {
    return { ok: false, reason: `CRIU is not installed or cannot run (${criu}: ${errorMessage(e)})` };
  }
  const r = await runTool({ layer: 'runtime', cmd: criu, args: ['check'], timeoutMs: TIMEOUT_MS, okCodes: [0, 1] }).catch((e: unknown) => ({ code: -1, stdout: '', stderr: errorMessage(e) }));
  if (r.code === 0) return { ok: true, version };
  return { ok: false, reason: `\`criu check\` fails with CRIU ${version} on kernel ${release()}: ${criuCheckReason(`${r.stdout}\n${r.stderr}`)}` };
}

/** Whether CRIU works here (cached; `criu` from PATH unless given). */
export function criuSupport(criu = 'criu'): Promise<CriuSupport> {
  probed ??= probe(criu);
  return probed;
}
