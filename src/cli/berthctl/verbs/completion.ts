// berthctl completion bash|zsh: the completion script, from berthctl's verb
// table (handed in by main.ts) and each verb's crictl-style help text.
import { UsageError, type Verb } from '../../common/cli-context.js';
import { bashScript, flagsFromUsage, zshScript, type CompletionSpec, type CompletionVerb } from '../../common/completion.js';

type VerbTable = Record<string, { summary: string; load: () => Promise<{ verb: Verb }> }>;

/** What each verb's positional arguments name (berthctl's verbs take crictl's). */
const ARGS: Record<string, string[]> = {
  inspect: ['container'], logs: ['container'], exec: ['running', 'none'], attach: ['running'], stop: ['running'],
  start: ['container'], rm: ['container'], update: ['running'], stats: ['container'], checkpoint: ['running'],
  inspectp: ['pod'], stopp: ['pod'], rmp: ['pod'], statsp: ['pod'], 'port-forward': ['pod', 'none'],
  inspecti: ['image'], rmi: ['image'], pull: ['none'], images: ['image'],
  runp: ['file'], create: ['pod', 'file', 'file'], run: ['file', 'file'],
  completion: ['w:bash,zsh'],
};

const FILE_FLAGS = ['--config', '-c'];

export async function completionSpec(table: VerbTable): Promise<CompletionSpec> {
  const details: CompletionVerb[] = [];
  for (const [name, entry] of Object.entries(table)) {
    const usage = name === 'completion' ? '' : (await entry.load()).verb.usage;
    const { flags, valueFlags } = flagsFromUsage(usage);
    details.push({ path: name, flags: [...flags, '--help'], valueFlags, flagKinds: {}, args: ARGS[name] ?? ['none'] });
  }
  return {
    prog: 'berthctl',
    globalFlags: ['--config', '-c', '--runtime-endpoint', '-r', '--image-endpoint', '-i', '--timeout', '-t', '--debug', '-D', '--help', '-h', '--version', '-v'],
    globalValueFlags: ['--config', '-c', '--runtime-endpoint', '-r', '--image-endpoint', '-i', '--timeout', '-t'],
    verbs: Object.fromEntries(Object.entries(table).map(([n, v]) => [n, v.summary])),
    details: details.map((d) => (d.path === 'runp' || d.path === 'run' || d.path === 'create' ? { ...d, flagKinds: Object.fromEntries(FILE_FLAGS.map((f) => [f, 'file'])) } : d)),
    dynamic: { container: 'ps -a -q', running: 'ps -q', pod: 'pods -q', image: 'images -q' },
  };
}

/** The verb, bound to berthctl's table (main.ts passes it, so this module needs no import of main). */
export function forVerbs(table: VerbTable): { verb: Verb } {
  return {
    verb: {
      summary: 'Output shell completion code (bash or zsh)',
      usage: `Usage: berthctl completion bash|zsh

Prints the shell completion script: verbs, flags, and container, pod and image IDs asked from the runtime as you type.

  source <(berthctl completion bash)
  berthctl completion zsh > "\${fpath[1]}/_berthctl"`,
      async run(ctx, args) {
        const shell = args[0];
        if (args.length !== 1 || (shell !== 'bash' && shell !== 'zsh')) throw new UsageError('completion: say which shell: bash or zsh');
        const spec = await completionSpec(table);
        ctx.out(shell === 'bash' ? bashScript(spec) : zshScript(spec));
      },
    },
  };
}
