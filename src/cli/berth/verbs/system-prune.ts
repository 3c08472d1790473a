// berth system prune: removes berth's exited containers with their pods,
// berth pods left without containers, and images no container of the node
// uses (only untagged ones without -a). Kubernetes' containers and pods
// are never touched: they belong to the kubelet.
import { createInterface } from 'node:readline/promises';
import { ContainerState } from '../../../api/gen/api.js';
import { ContainerStatus, ListContainers, ListImages, ListPodSandbox, RemoveImage } from '../../../api/methods.js';
import { UsageError, type CliContext } from '../../common/cli-context.js';
import { bool } from '../args.js';
import { humanSize, shortId } from '../docker-format.js';
import { errorLines, wrapError } from '../errors.js';
import { BERTH_SELECTOR } from '../labels.js';
import { removeContainer, removePod } from '../lifecycle.js';
import type { BerthVerb } from '../verb.js';

async function confirm(all: boolean): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `WARNING! This will remove:\n  - all exited berth containers and their pods\n  - ${all ? 'all images without at least one container associated to them' : 'all dangling (untagged) images'}\n\nAre you sure you want to continue? [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

async function prune(ctx: CliContext, all: boolean): Promise<{ containers: string[]; images: string[]; bytes: number; failures: unknown[] }> {
  const failures: unknown[] = [];
  const { containers } = await ctx.runtime.call(ListContainers, { filter: { labelSelector: BERTH_SELECTOR } });
  const removed: string[] = [];
  for (const c of containers.filter((x) => x.state === ContainerState.CONTAINER_EXITED)) {
    try {
      await removeContainer(ctx, c);
      removed.push(c.id);
    } catch (e) {
      failures.push(wrapError(`removing container ${shortId(c.id)}`, e));
    }
  }
  // berth pods with no container left (a failed run, a removal cut short).
  const [{ items }, left] = await Promise.all([ctx.runtime.call(ListPodSandbox, { filter: { labelSelector: BERTH_SELECTOR } }), ctx.runtime.call(ListContainers, {})]);
  for (const p of items.filter((x) => !left.containers.some((c) => c.podSandboxId === x.id))) {
    await removePod(ctx, p.id, undefined).catch((e: unknown) => failures.push(wrapError(`removing pod ${p.metadata?.name ?? p.id}`, e)));
  }
  // Images in use by any container of the node, by id.
  const used = new Set<string>();
  for (const c of left.containers) {
    for (const ref of [c.imageRef, c.imageId, c.image?.image]) if (ref) used.add(ref);
    const s = (await ctx.runtime.call(ContainerStatus, { containerId: c.id }).catch(() => undefined))?.status;
    if (s?.imageId) used.add(s.imageId);
  }
  const { images } = await ctx.image.call(ListImages, {});
  const gone: string[] = [];
  let bytes = 0;
  for (const img of images) {
    if (img.pinned || used.has(img.id) || img.repoDigests.some((d) => used.has(d)) || img.repoTags.some((t) => used.has(t))) continue;
    if (!all && img.repoTags.length > 0) continue;
    try {
      await ctx.image.call(RemoveImage, { image: { image: img.id } });
      gone.push(...img.repoTags.map((t) => `untagged: ${t}`), `deleted: ${img.id}`);
      bytes += Number(img.size);
    } catch (e) {
      failures.push(wrapError(`removing image ${img.repoTags[0] ?? shortId(img.id)}`, e));
    }
  }
  return { containers: removed, images: gone, bytes, failures };
}

export const verb: BerthVerb = {
  synopsis: 'system prune [OPTIONS]',
  description: `Remove what berth left behind: exited berth containers with their pods and logs, berth pods without containers, and images no container of the node uses — only dangling (untagged) ones unless -a. Containers and pods berth did not make (Kubernetes') are never removed, and their images count as used. Asks for confirmation unless -f.`,
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
    { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  examples: ['berth system prune', 'berth system prune -a -f'],
  async run(ctx, p) {
    const all = bool(p.flags, 'all');
    if (!bool(p.flags, 'force')) {
      if (!process.stdin.isTTY) throw new UsageError('system prune: refusing to prune without confirmation when stdin is not a terminal; use -f');
      if (!(await confirm(all))) return 0;
    }
    const r = await prune(ctx, all);
    if (r.containers.length) ctx.out(`Deleted Containers:\n${r.containers.join('\n')}\n\n`);
    if (r.images.length) ctx.out(`Deleted Images:\n${r.images.join('\n')}\n\n`);
    ctx.print(`Total reclaimed space: ${humanSize(r.bytes)}`);
    for (const f of r.failures) process.stderr.write(`${errorLines(f, ctx.endpoints.debug).join('\n')}\n`);
    return r.failures.length ? 1 : 0;
  },
};
