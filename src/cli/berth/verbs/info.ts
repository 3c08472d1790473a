// berth info: docker info's summary for a CRI node — container and image
// counts, the runtime (CRI Version and Status: conditions and its verbose
// info), and the node's kernel, CPUs and memory.
import { cpus, release, totalmem, type as osType } from 'node:os';
import { ContainerState } from '../../../api/gen/api.js';
import { ListContainers, ListImages, ListPodSandbox, Status, Version } from '../../../api/methods.js';
import { binarySize } from '../docker-format.js';
import { wrapError } from '../errors.js';
import { BERTH_SELECTOR } from '../labels.js';
import type { BerthVerb } from '../verb.js';

export const verb: BerthVerb = {
  synopsis: 'info',
  description: `Display system-wide information: how many containers (berth's and all of the node's) are running or stopped, how many pods and images there are, the runtime's name, version and readiness conditions (CRI Status), and the node's kernel, CPUs and memory.`,
  flags: [],
  async run(ctx) {
    let v, st, all, mine, pods, images;
    try {
      [v, st, all, mine, pods, images] = await Promise.all([
        ctx.runtime.call(Version, { version: 'v1' }),
        ctx.runtime.call(Status, { verbose: true }),
        ctx.runtime.call(ListContainers, {}),
        ctx.runtime.call(ListContainers, { filter: { labelSelector: BERTH_SELECTOR } }),
        ctx.runtime.call(ListPodSandbox, {}),
        ctx.image.call(ListImages, {}),
      ]);
    } catch (e) {
      throw wrapError('asking the runtime', e);
    }
    const count = (cs: typeof all.containers, s: ContainerState): number => cs.filter((c) => c.state === s).length;
    const cs = all.containers;
    const lines = [
      'Containers:',
      ` Berth:      ${mine.containers.length} (running ${count(mine.containers, ContainerState.CONTAINER_RUNNING)})`,
      ` All:        ${cs.length}`,
      `  Running:   ${count(cs, ContainerState.CONTAINER_RUNNING)}`,
      `  Created:   ${count(cs, ContainerState.CONTAINER_CREATED)}`,
      `  Exited:    ${count(cs, ContainerState.CONTAINER_EXITED)}`,
      `Pods:        ${pods.items.length}`,
      `Images:      ${images.images.length}`,
      `Runtime:     ${v.runtimeName} ${v.runtimeVersion} (CRI ${v.runtimeApiVersion})`,
      `Endpoint:    ${ctx.endpoints.runtime}`,
      'Conditions:',
      ...(st.status?.conditions ?? []).map((c) => ` ${c.type}: ${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`),
    ];
    const cfg = parseInfo(st.info);
    if (cfg.length) lines.push('Runtime info:', ...cfg);
    lines.push(`Kernel:      ${osType()} ${release()}`, `CPUs:        ${cpus().length}`, `Memory:      ${binarySize(totalmem())}`);
    ctx.print(lines.join('\n'));
  },
};

/** The runtime's verbose info: top-level scalar settings worth a line each. */
function parseInfo(info: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, text] of Object.entries(info)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      v = text;
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) if (typeof v2 !== 'object') out.push(` ${k2}: ${String(v2)}`);
    } else out.push(` ${k}: ${String(v)}`);
  }
  return out.slice(0, 20);
}
