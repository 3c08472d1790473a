// berth system prune: the node-keeping verb.
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'system COMMAND',
  description: 'Manage the node.',
  flags: [],
  subverbs: {
    prune: { summary: 'Remove exited berth containers (with their pods) and unused images', load: () => import('./system-prune.js') },
  },
  async run() {
    return 0;
  },
};
