// berth completion bash|zsh: prints the completion script.
import { UsageError } from '../../common/cli-context.js';
import { bashScript, zshScript } from '../../common/completion.js';
import { berthCompletionSpec } from '../completion-spec.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'completion bash|zsh',
  description: `Print the shell completion script for bash or zsh: verbs, sub-verbs, flags, and container and image names (asked from the runtime as you type, with the -H endpoint given on the line).`,
  flags: [],
  positional: [['bash', 'zsh']],
  examples: ['source <(berth completion bash)', 'berth completion bash > /etc/bash_completion.d/berth', 'berth completion zsh > "${fpath[1]}/_berth"'],
  async run(ctx, p) {
    const shell = p.args[0];
    if (p.args.length !== 1 || (shell !== 'bash' && shell !== 'zsh')) throw new UsageError("completion: say which shell: bash or zsh; see 'berth completion --help'");
    const spec = await berthCompletionSpec();
    ctx.out(shell === 'bash' ? bashScript(spec) : zshScript(spec));
  },
};
