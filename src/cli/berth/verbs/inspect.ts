// berth inspect: docker inspect's document for containers (Id, State,
// Config, HostConfig, NetworkSettings, Mounts …, built from the CRI status,
// the runtime's verbose info and berth's run options) or images; -f renders
// a Go template over it, as docker does.
import { ContainerState, type ContainerStatus as Status } from '../../../api/gen/api.js';
import { ImageStatus, PodSandboxStatus } from '../../../api/methods.js';
import { UsageError, type CliContext } from '../../common/cli-context.js';
import { renderTemplate, validateTemplate } from '../../common/go-template.js';
import { toJson } from '../../common/output.js';
import { rfc3339Nano } from '../../berthctl/verbs/pod-format.js';
import { str } from '../args.js';
import { commandOf, imageOf, viewOf, type ContainerView } from '../container-view.js';
import { errorLines, VerbError } from '../errors.js';
import { limitsOf } from '../limits.js';
import { displayName, lookupContainer } from '../resolve.js';
import type { BerthVerb } from '../verb.js';

const STATUS: Record<number, string> = {
  [ContainerState.CONTAINER_CREATED]: 'created',
  [ContainerState.CONTAINER_RUNNING]: 'running',
  [ContainerState.CONTAINER_EXITED]: 'exited',
};
const ZERO = '0001-01-01T00:00:00Z';

export function containerDocument(v: ContainerView, podIp: string): Record<string, unknown> {
  const c = v.container;
  const s: Partial<Status> = v.status ?? {};
  const o = v.options;
  const l = limitsOf(s.resources?.linux);
  const cmd = commandOf(v);
  const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of o?.ports ?? []) (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  return {
    Id: c.id,
    Created: rfc3339Nano(c.createdAt),
    Path: cmd[0] ?? '',
    Args: cmd.slice(1),
    State: {
      Status: STATUS[c.state] ?? 'unknown',
      Running: c.state === ContainerState.CONTAINER_RUNNING,
      Pid: c.state === ContainerState.CONTAINER_RUNNING ? (v.pid ?? 0) : 0,
      ExitCode: s.exitCode ?? 0,
      Error: s.message ?? '',
      Reason: s.reason ?? '',
      StartedAt: s.startedAt && c.state !== ContainerState.CONTAINER_CREATED ? rfc3339Nano(s.startedAt) : ZERO,
      FinishedAt: s.finishedAt && c.state === ContainerState.CONTAINER_EXITED ? rfc3339Nano(s.finishedAt) : ZERO,
    },
    Image: s.imageRef || c.imageRef,
    Name: `/${displayName(c)}`,
    RestartCount: c.metadata?.attempt ?? 0,
    LogPath: s.logPath ?? '',
    Config: {
      Hostname: o?.hostname ?? o?.name ?? '',
      User: o?.user ?? '',
      Tty: v.process?.terminal ?? o?.tty ?? false,
      OpenStdin: o?.stdin ?? false,
      StdinOnce: o?.stdinOnce ?? false,
      Env: v.process?.env ?? o?.env.map((e) => `${e.key}=${e.value}`) ?? [],
      Cmd: o?.cmd ?? cmd,
      Entrypoint: o?.entrypoint ?? null,
      Image: imageOf(c),
      WorkingDir: v.process?.cwd ?? o?.workdir ?? '',
      Labels: c.labels,
    },
    HostConfig: {
      Binds: (o?.volumes ?? []).map((m) => `${m.hostPath}:${m.containerPath}${m.readonly ? ':ro' : ''}`),
      PortBindings: ports,
      AutoRemove: o?.autoRemove ?? false,
      NanoCpus: l.cpuQuota > 0 ? Math.round((l.cpuQuota / (l.cpuPeriod || 100_000)) * 1e9) : 0,
      CpuShares: l.cpuShares,
      CpuPeriod: l.cpuPeriod,
      CpuQuota: l.cpuQuota,
      CpusetCpus: l.cpusetCpus,
      CpusetMems: l.cpusetMems,
      Memory: l.memory > 0 ? l.memory : 0,
      MemorySwap: l.memorySwap,
    },
    Mounts: (s.mounts ?? []).map((m) => ({ Type: 'bind', Source: m.hostPath, Destination: m.containerPath, RW: !m.readonly })),
    NetworkSettings: { IPAddress: podIp, Ports: ports },
    Pod: { Id: c.podSandboxId },
  };
}

async function inspectContainer(ctx: CliContext, ref: string): Promise<Record<string, unknown> | undefined> {
  const c = await lookupContainer(ctx, ref);
  if (!c) return undefined;
  const v = await viewOf(ctx, c);
  const pod = (await ctx.runtime.call(PodSandboxStatus, { podSandboxId: c.podSandboxId }).catch(() => undefined))?.status;
  const doc = containerDocument(v, pod?.network?.ip ?? '');
  (doc.Pod as Record<string, unknown>).Name = pod?.metadata?.name ?? '';
  (doc.Pod as Record<string, unknown>).Namespace = pod?.metadata?.namespace ?? '';
  return doc;
}

async function inspectImage(ctx: CliContext, ref: string): Promise<Record<string, unknown> | undefined> {
  const r = await ctx.image.call(ImageStatus, { image: { image: ref }, verbose: true });
  if (!r.image) return undefined;
  let info: unknown = undefined;
  try {
    info = r.info.info ? JSON.parse(r.info.info) : undefined;
  } catch {
    info = r.info.info;
  }
  return { Id: r.image.id, RepoTags: r.image.repoTags, RepoDigests: r.image.repoDigests, Size: Number(r.image.size), ...(info !== undefined ? { Info: info } : {}) };
}

export const verb: BerthVerb = {
  synopsis: 'inspect [OPTIONS] NAME|ID [NAME|ID...]',
  description: `Return detailed information on containers or images as a JSON array, shaped like docker inspect's (Id, State, Config, HostConfig, Mounts, NetworkSettings …) and built from the CRI status, the runtime's verbose info and the options berth run was given. A name is looked up as a container first, then as an image.`,
  flags: [
    { name: 'format', short: 'f', kind: 'string', value: 'string', help: 'Format the output with a Go template, e.g. {{.State.Status}}', complete: 'none' },
    { name: 'type', kind: 'string', value: 'string', help: 'Only look for this type: container or image', complete: ['container', 'image'] },
  ],
  positional: ['container'],
  examples: ['berth inspect web', "berth inspect -f '{{.State.Pid}}' web", 'berth inspect --type image busybox'],
  async run(ctx, p) {
    if (p.args.length === 0) throw new UsageError("inspect: at least one NAME or ID is required; see 'berth inspect --help'");
    const format = str(p.flags, 'format');
    if (format !== undefined) validateTemplate(format);
    const type = str(p.flags, 'type');
    if (type !== undefined && type !== 'container' && type !== 'image') throw new UsageError('inspect: --type must be container or image');
    const docs: unknown[] = [];
    let failed = 0;
    for (const ref of p.args) {
      const doc = (type !== 'image' ? await inspectContainer(ctx, ref) : undefined) ?? (type !== 'container' ? await inspectImage(ctx, ref) : undefined);
      if (!doc) {
        failed++;
        process.stderr.write(`${errorLines(new VerbError(`no such ${type ?? 'container or image'}: ${ref}`), false).join('\n')}\n`);
        continue;
      }
      if (format !== undefined) ctx.print(renderTemplate(format, doc));
      else docs.push(doc);
    }
    if (format === undefined) ctx.print(toJson(docs));
    return failed ? 1 : 0;
  },
};
