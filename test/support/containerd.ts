// Debian's containerd 1.6 with its CRI plugin on private paths: the peer that
// berthctl's compatibility tests and the benchmarks run against.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestDir, waitFor } from './daemon.js';

export interface ContainerdPeer {
  dir: string;
  socket: string;
  endpoint: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export interface ContainerdOptions {
  cniConfDir?: string;
  /** host → mirror URL, e.g. { 'docker.io': 'http://127.0.0.1:5000' } */
  mirrors?: Record<string, string>;
  sandboxImage?: string;
}

export async function startContainerd(opts: ContainerdOptions = {}): Promise<ContainerdPeer> {
  const dir = await makeTestDir('containerd-');
  const socket = join(dir, 'containerd.sock');
  const certsDir = join(dir, 'certs.d');
  for (const [host, url] of Object.entries(opts.mirrors ?? {})) {
    await mkdir(join(certsDir, host), { recursive: true });
    // A hosts.toml with only `server` is ignored (STACK.md): the host table is what counts.
    await writeFile(join(certsDir, host, 'hosts.toml'), `server = "${url}"\n[host."${url}"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n`);
  }
  const config = `version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "${socket}"
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  sandbox_image = "${opts.sandboxImage ?? 'registry.k8s.io/pause:3.6'}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    conf_dir = "${opts.cniConfDir ?? join(dir, 'cni')}"
    bin_dir = "/usr/lib/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "${certsDir}"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
`;
  await writeFile(join(dir, 'config.toml'), config);
  const proc = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-20_000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`containerd exited: ${log}`);
    await access(socket);
    return true;
  }, 15_000, () => `containerd did not start: ${log}`);
  return {
    dir,
    socket,
    endpoint: `unix://${socket}`,
    proc,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
