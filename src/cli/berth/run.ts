// berth: a Docker/nerdctl-style CLI over the CRI. Global flags come before
// the verb; each verb lives in its own module, loaded only when it runs, so
// `berth ps` loads the gRPC client and the ps module and nothing else.
import { UsageError, withCliContext } from '../common/cli-context.js';
import { VERSION } from '../../version.js';
import { parseArgs, wantsHelp } from './args.js';
import { errorLines } from './errors.js';
import { renderHelp } from './help.js';
import { GLOBAL_FLAGS_HELP, parseGlobals } from './main-args.js';
import { VERBS } from './verb-table.js';
import type { BerthVerb } from './verb.js';

function usage(): string {
  const groups = new Map<string, string[]>();
  for (const [name, v] of Object.entries(VERBS)) {
    if (v.hidden) continue;
    const lines = groups.get(v.group) ?? [];
    lines.push(`  ${name.padEnd(12)}${v.summary}`);
    groups.set(v.group, lines);
  }
  const sections = [...groups].map(([g, lines]) => `${g}:\n${lines.join('\n')}`).join('\n\n');
  return `Usage:  berth [OPTIONS] COMMAND

A Docker-style command line for Kubernetes nodes, over the CRI: each
container is a one-container pod, and the node's other pods can be listed,
watched and limited too.

${sections}

Global options:
${GLOBAL_FLAGS_HELP}

Run 'berth COMMAND --help' for more information on a command.`;
}

/** Follows sub-verbs ("container set", "system prune") to the verb that runs. */
async function resolveVerb(name: string, args: string[]): Promise<{ path: string; verb: BerthVerb; args: string[] }> {
  const entry = VERBS[name];
  if (!entry) throw new UsageError(`'${name}' is not a berth command; see 'berth --help'`);
  let { verb } = await entry.load();
  let path = name;
  let rest = args;
  while (verb.subverbs) {
    const sub = rest[0];
    if (sub === undefined || sub.startsWith('-')) break;
    const s = verb.subverbs[sub];
    if (!s) throw new UsageError(`'${sub}' is not a '${path}' command; see 'berth ${path} --help'`);
    verb = (await s.load()).verb;
    path = `${path} ${sub}`;
    rest = rest.slice(1);
  }
  return { path, verb, args: rest };
}

async function main(argv: string[]): Promise<number> {
  const { globals, rest } = parseGlobals(argv);
  if (globals.version) {
    process.stdout.write(`berth version ${VERSION}\n`);
    return 0;
  }
  const [name, ...verbArgs] = rest;
  if (name === undefined || name === 'help' || globals.help) {
    process.stdout.write(`${usage()}\n`);
    return name === undefined && !globals.help ? 1 : 0;
  }
  const { path, verb, args } = await resolveVerb(name, verbArgs);
  if (wantsHelp(args, verb.flags, verb.stopAtPositional === true) || (verb.subverbs && args.length === 0)) {
    process.stdout.write(`${renderHelp(path, verb)}\n`);
    return 0;
  }
  const parsed = parseArgs({ verb: path, flags: verb.flags, stopAtPositional: verb.stopAtPositional }, args);
  const inputs = { runtimeFlag: globals.host, imageFlag: globals.image, timeoutFlag: globals.timeout ?? '10s', configFile: globals.config, env: process.env };
  return withCliContext(inputs, globals.debug, (ctx) => verb.run(ctx, parsed));
}

/** Runs berth with these arguments (after the program name); sets the exit code. */
export function runBerth(argv: string[]): Promise<void> {
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${errorLines(e, parseDebug(argv)).join('\n')}\n`);
      process.exitCode = 1;
    },
  );
}

function parseDebug(argv: string[]): boolean {
  try {
    return parseGlobals(argv).globals.debug;
  } catch {
    return false;
  }
}
