// The floor of pod + container start on this machine: the processes that
// must run, with nothing around them — `ip netns add`, the CNI loopback and
// bridge plugins, an overlay mount, `runc create` and `runc start` — timed
// back to back per iteration. Whatever a runtime adds above it is overhead.
import { execFile, spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { blobPath, type BuiltImage } from '../test/support/images/build.js';

const sh = promisify(execFile);

function plugin(type: string, command: 'ADD' | 'DEL', netns: string, id: string, conf: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(`/usr/lib/cni/${type}`, [], {
      env: { CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: netns, CNI_IFNAME: type === 'loopback' ? 'lo' : 'eth0', CNI_PATH: '/usr/lib/cni', PATH: process.env.PATH },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('close', (code) => (code === 0 || command === 'DEL' ? resolve() : reject(new Error(`${type} ${command}: ${err}`))));
    p.stdin.end(JSON.stringify(conf));
  });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    // 'exit', not 'close': runc create hands its stderr to the container, which keeps it open.
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: ${err}`))));
  });
}

export async function measureFloor(n: number, dir: string, image: BuiltImage): Promise<number[]> {
  const lower = join(dir, 'lower');
  await mkdir(lower, { recursive: true });
  for (const l of image.layers) await sh('tar', ['-xzf', blobPath(image.storeDir, l.digest), '-C', lower]);
  const { stdout } = await sh('runc', ['spec', '--rootless=false'], { cwd: dir }).then(() => sh('cat', [join(dir, 'config.json')]));
  const base = JSON.parse(stdout) as { process: { terminal: boolean; args: string[] }; root: { path: string; readonly: boolean }; linux: { namespaces: { type: string; path?: string }[] } };
  base.process.terminal = false;
  base.process.args = ['sleep', '3600'];
  base.root.readonly = false;
  const tag = Math.random().toString(36).slice(2, 7);
  const bridge = { cniVersion: '1.0.0', name: `floor-${tag}`, type: 'bridge', bridge: `fl${tag}`, isGateway: true, ipMasq: true, hairpinMode: true, ipam: { type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet: '10.251.0.0/16' }]], routes: [{ dst: '0.0.0.0/0' }] } };
  const loopback = { cniVersion: '1.0.0', name: 'lo', type: 'loopback' };
  const root = join(dir, 'runc');
  const times: number[] = [];
  for (let i = -3; i < n; i++) {
    const id = `floor-${tag}-${i + 3}`;
    const netns = `/run/netns/${id}`;
    const b = join(dir, 'b', id);
    const upper = join(b, 'upper');
    const work = join(b, 'work');
    const rootfs = join(b, 'rootfs');
    await mkdir(upper, { recursive: true });
    await mkdir(work, { recursive: true });
    await mkdir(rootfs, { recursive: true });
    const spec = structuredClone(base);
    spec.root.path = rootfs;
    spec.linux.namespaces = spec.linux.namespaces.map((ns) => (ns.type === 'network' ? { type: 'network', path: netns } : ns));
    await writeFile(join(b, 'config.json'), JSON.stringify(spec));
    const t0 = performance.now();
    await run('ip', ['netns', 'add', id]);
    await plugin('loopback', 'ADD', netns, id, loopback);
    await plugin('bridge', 'ADD', netns, id, bridge);
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, rootfs]);
    await run('runc', [`--root=${root}`, 'create', '--bundle', b, id]);
    await run('runc', [`--root=${root}`, 'start', id]);
    const t = performance.now() - t0;
    if (i >= 0) times.push(t);
    await run('runc', [`--root=${root}`, 'delete', '--force', id]);
    await run('umount', [rootfs]);
    await plugin('bridge', 'DEL', netns, id, bridge);
    await run('ip', ['netns', 'del', id]);
    await rm(b, { recursive: true, force: true });
  }
  await sh('ip', ['link', 'del', `fl${tag}`]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  return times;
}
