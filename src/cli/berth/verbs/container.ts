// berth container limits|set|remove|pin|unpin: the operator's live view
// and control of a container's CPU and memory limits.
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'container COMMAND',
  description: `Show and change the CPU and memory limits and the CPU pinning of a running container, live, through the CRI's UpdateContainerResources (runc update underneath). Works for any container of the node, Kubernetes' included (the kubelet may later set its own limits back).

Quantities use Kubernetes notation: CPU as millicores (200m) or cores (1.5), memory as 256Mi, 1Gi, 500M (10^6) or bytes. Invalid input is refused before anything changes.`,
  flags: [],
  subverbs: {
    limits: { summary: 'Show the CPU (quota, shares, cpuset) and memory limits', load: () => import('./container-limits.js') },
    set: { summary: 'Set limits live: cpu=200m memory=256Mi', load: () => import('./container-set.js') },
    remove: { summary: 'Lift a limit: cpu or memory', load: () => import('./container-remove.js') },
    pin: { summary: 'Add CPUs to the cpuset (pin the container to them)', load: () => import('./container-pin.js') },
    unpin: { summary: 'Take CPUs out of the cpuset (none left: all CPUs)', load: () => import('./container-unpin.js') },
  },
  async run() {
    return 0;
  },
};
