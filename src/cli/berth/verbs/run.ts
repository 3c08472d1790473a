// berth run: docker run over the CRI. Each container is a one-container pod
// (RunPodSandbox, PullImage when missing, CreateContainer, StartContainer).
// Foreground runs follow the log (or attach with -i/-t) and exit with the
// container's exit code; --rm removes pod and container when it exits.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { ContainerState } from '../../../api/gen/api.js';
import { Attach, ContainerStatus, ListContainers } from '../../../api/methods.js';
import type { CliContext } from '../../common/cli-context.js';
import { runTerminalSession } from '../../common/stream-session.js';
import { VerbError } from '../errors.js';
import { BERTH_SELECTOR } from '../labels.js';
import { ensureImage, makeContainer, removeContainer, stopContainer, waitExit } from '../lifecycle.js';
import { followLog } from '../log-follow.js';
import { randomName } from '../names.js';
import { findByName } from '../resolve.js';
import { parseRunOptions, type RunOptions } from '../run-options.js';
import type { BerthVerb, FlagDef } from '../verb.js';

export const RUN_FLAGS: readonly FlagDef[] = [
  { name: 'detach', short: 'd', kind: 'bool', help: 'Run the container in the background and print its ID' },
  { name: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open and attach it' },
  { name: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
  { name: 'rm', kind: 'bool', help: 'Remove the container and its pod when it exits' },
  { name: 'name', kind: 'string', value: 'string', help: 'Name of the container (and of its pod); default: a random adjective_noun', complete: 'none' },
  { name: 'env', short: 'e', kind: 'strings', value: 'list', help: 'Set an environment variable: KEY=VALUE, or KEY to pass this shell\'s value (repeatable)', complete: 'none' },
  { name: 'publish', short: 'p', kind: 'strings', value: 'list', help: 'Publish a port: [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp|sctp] (pod port mapping, CNI portmap; repeatable)', complete: 'none' },
  { name: 'volume', short: 'v', kind: 'strings', value: 'list', help: 'Bind mount a host directory or file: HOST-PATH:CONTAINER-PATH[:ro] (repeatable)', complete: 'file' },
  { name: 'label', short: 'l', kind: 'strings', value: 'list', help: 'Set a label on the container: KEY=VALUE (repeatable)', complete: 'none' },
  { name: 'cpus', kind: 'string', value: 'decimal', help: 'Number of CPUs (CFS quota over a 100ms period), e.g. 1.5', complete: 'none' },
  { name: 'memory', short: 'm', kind: 'string', value: 'bytes', help: 'Memory limit, docker units: 256m, 1g (binary)', complete: 'none' },
  { name: 'cpuset-cpus', kind: 'string', value: 'list', help: 'CPUs in which to allow execution (0-3, 0,1)', complete: 'none' },
  { name: 'user', short: 'u', kind: 'string', value: 'string', help: 'User to run as: UID[:GID] or NAME[:GID]', complete: 'none' },
  { name: 'workdir', short: 'w', kind: 'string', value: 'string', help: 'Working directory inside the container', complete: 'none' },
  { name: 'entrypoint', kind: 'string', value: 'string', help: "Overwrite the image's ENTRYPOINT (\"\" clears it)", complete: 'none' },
  { name: 'hostname', short: 'h', kind: 'string', value: 'string', help: 'Hostname of the container (default: its name)', complete: 'none' },
];

export const verb: BerthVerb = {
  synopsis: 'run [OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: `Create and run a new container from an image.

Each container is a one-container pod made through the CRI: the image is pulled when the runtime does not have it, then the pod is run (namespace "berth", labelled io.berth.cli=berth), the container created in it and started. The container gets its own PID namespace, so COMMAND is PID 1, as with docker.

Without -d, berth stays with the container: its output is followed from the log (or, with -i or -t, the container is attached through the CRI streaming server) and berth exits with the container's exit code. Ctrl-C stops the container (10 s grace, then SIGKILL); a second Ctrl-C leaves it running. With -d, the container's ID is printed and berth returns at once.

--rm removes the container and its pod when it exits; with -d a small background process waits for that.

Ports (-p) become pod port mappings served by the CNI portmap plugin, so they need an explicit host port. Volumes (-v) are bind mounts of host paths; a missing host directory is refused by the runtime.`,
  flags: RUN_FLAGS,
  stopAtPositional: true,
  positional: ['image', 'none'],
  examples: [
    'berth run --rm busybox echo hello',
    'berth run -d --name web -p 8080:80 busybox httpd -f -p 80',
    'berth run -it --rm busybox sh',
    'berth run -d --cpus 1.5 --memory 256m --cpuset-cpus 0,1 busybox sleep 1000',
    'berth run --rm -v /srv/data:/data:ro -e MODE=test busybox ls /data',
  ],
  async run(ctx, p) {
    const o = parseRunOptions({ flags: p.flags, args: p.args, env: process.env, cwd: process.cwd(), cpusOnNode: availableParallelism() });
    await pickName(ctx, o);
    const imageId = await ensureImage(ctx, o.image);
    const { containerId } = await makeContainer(ctx, o, imageId, true);
    if (o.detach) {
      if (o.autoRemove) startReaper(ctx, containerId);
      ctx.print(containerId);
      return 0;
    }
    return foreground(ctx, o, containerId);
  },
};

async function pickName(ctx: CliContext, o: RunOptions): Promise<void> {
  if (o.name) {
    const taken = await findByName(ctx, o.name);
    if (taken) throw new VerbError(`the container name "${o.name}" is already in use by container ${taken.id.slice(0, 12)}: remove it (berth rm ${o.name}) or choose another --name`);
    return;
  }
  const { containers } = await ctx.runtime.call(ListContainers, { filter: { labelSelector: BERTH_SELECTOR } });
  const used = new Set(containers.map((c) => c.metadata?.name));
  for (let i = 0; i < 50 && !o.name; i++) {
    const n = randomName();
    if (!used.has(n)) o.name = n;
  }
  if (!o.name) o.name = `${randomName()}_${Date.now().toString(36)}`;
}

/** The --rm reaper for -d: a detached `berth __autoremove ID` that outlives this command. */
function startReaper(ctx: CliContext, id: string): void {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, '-H', ctx.endpoints.runtime, '__autoremove', id], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
}

async function foreground(ctx: CliContext, o: RunOptions, id: string): Promise<number> {
  const stops = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\nberth: stopping ${o.name} (Ctrl-C again to leave it running)\n`);
      stops.abort();
      stopContainer(ctx, id, 10).catch(() => undefined);
    } else process.exit(130);
  };
  // With a tty the terminal is raw: Ctrl-C goes to the container, not to us.
  if (!o.tty) process.on('SIGINT', onSigint);
  let code: number;
  try {
    if (o.stdin || o.tty) {
      const { url } = await ctx.runtime.call(Attach, { containerId: id, stdin: o.stdin, tty: o.tty, stdout: true, stderr: !o.tty });
      await runTerminalSession({ url, transport: 'spdy', interactive: o.stdin, tty: o.tty }).catch(async (e: unknown) => {
        // The container exited before the attach connected: its output is in the log.
        const s = (await ctx.runtime.call(ContainerStatus, { containerId: id })).status;
        if (s?.state !== ContainerState.CONTAINER_EXITED) throw e;
        await followLog(ctx, id, { follow: false, timestamps: false });
      });
    } else {
      await followLog(ctx, id, { follow: true, timestamps: false });
    }
    code = await waitExit(ctx, id);
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (o.autoRemove) {
    const c = (await ctx.runtime.call(ListContainers, { filter: { id } })).containers[0];
    if (c) await removeContainer(ctx, c);
  }
  return code;
}
