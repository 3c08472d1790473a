// berth against a real berthd, registry and private CNI network: run -d and
// the container verbs, run --rm exit codes, -p through portmap, -e and -v ro,
// limits in `container limits` and in the cgroup files, live set/remove/
// pin/unpin, monitor, list, describe, system prune, invalid input refused
// with nothing changed, help for every verb and completion for both CLIs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { CreateContainer, ListContainers, ListImages, ListPodSandbox, RemovePodSandbox, RunPodSandbox, StartContainer } from '../../src/api/methods.js';
import { BERTH, BERTHCTL, makeTestDir, runCli, startDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../support/images/build.js';
import { makeTestNetwork, type TestNetwork } from '../support/pod-net.js';
import { imageRef, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

let reg: RunningRegistry;
let busybox: string;
let layered: string;
let d: TestDaemon;
let net: TestNetwork;
let dir: string;
let logDir: string;

const berth = (...args: string[]) => runCli(BERTH, ['-H', d.endpoint, '--timeout', '60s', ...args], { NODE_EXTRA_CA_CERTS: '', BERTH_LOG_DIR: logDir });

async function ok(...args: string[]): Promise<string> {
  const r = await berth(...args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A failure is exit 1 with exactly one line on stderr. */
async function fails(re: RegExp, ...args: string[]): Promise<void> {
  const r = await berth(...args);
  assert.equal(r.code, 1, `berth ${args.join(' ')} should fail: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
}

/** The cgroup v1 directory of a controller for a berth container (via its init PID). */
async function cgroupFile(name: string, controller: string, file: string): Promise<string> {
  const pid = (await ok('inspect', '-f', '{{.State.Pid}}', name)).trim();
  const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).trim().split('\n');
  const v2 = lines.length === 1 && lines[0]!.startsWith('0::');
  const line = v2 ? lines[0]! : lines.find((l) => l.split(':')[1]!.split(',').includes(controller));
  assert.ok(line, `${controller} cgroup of ${name}`);
  const path = line.split(':').slice(2).join(':');
  return (await readFile(v2 ? join('/sys/fs/cgroup', path, file) : join('/sys/fs/cgroup', controller, path, file), 'utf8')).trim();
}

function httpGet(host: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${host}:${port}${path}`)));
    req.on('error', reject);
    req.end();
  });
}

async function berthPods(): Promise<string[]> {
  const { items } = await d.client.call(ListPodSandbox, { filter: { labelSelector: { 'io.berth.cli': 'berth' } } });
  return items.map((p) => p.metadata?.name ?? '');
}

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  const images = await seedRegistry(reg, DEFAULT_IMAGE_DIR);
  busybox = imageRef(reg.host, images.busybox);
  layered = imageRef(reg.host, images.layered);
  dir = await makeTestDir('berth-cli-');
  logDir = join(dir, 'logs');
  net = await makeTestNetwork(dir);
  d = await startDaemon({ cniConfDir: net.confDir, installDefaultNetwork: false, toml: net.toml });
});

after(async () => {
  const { items } = await d.client.call(ListPodSandbox, {}).catch(() => ({ items: [] }));
  for (const p of items) await d.client.call(RemovePodSandbox, { podSandboxId: p.id }).catch(() => undefined);
  await d?.cleanup();
  await net?.cleanup();
  await reg?.stop();
});

describe('berth', () => {
  let id: string;

  it('run -d pulls when missing, prints the ID; ps shows docker columns and only berth containers', async () => {
    const r = await berth('run', '-d', '--name', 'web', '-e', 'GREETING=hi', busybox, 'sh', '-c', 'echo $GREETING; echo oops >&2; exec sleep 1000');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Unable to find image '.*busybox:latest' locally\n.*Status: Downloaded .*busybox:latest \(\d/s);
    id = r.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    // A container berth did not make (as the kubelet would), to be left out of ps.
    const foreign = (await d.client.call(RunPodSandbox, { config: { metadata: { name: 'kube-pod', namespace: 'default', uid: 'kube-uid' }, linux: {} } })).podSandboxId;
    const fc = (await d.client.call(CreateContainer, { podSandboxId: foreign, config: { metadata: { name: 'app' }, image: { image: busybox }, command: ['sleep', '1000'], labels: { 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.name': 'kube-pod' } }, sandboxConfig: { metadata: { name: 'kube-pod', namespace: 'default', uid: 'kube-uid' } } })).containerId;
    await d.client.call(StartContainer, { containerId: fc });
    const lines = (await ok('ps')).trimEnd().split('\n');
    assert.match(lines[0]!, /^CONTAINER ID {3}IMAGE {2,}COMMAND {2,}CREATED {2,}STATUS {2,}PORTS {2,}NAMES$/);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[1]!, new RegExp(`^${id.slice(0, 12)} {3}\\S+busybox:latest {3}"sh -c echo \\$GREETIN…" +(Less than a second|\\d+ seconds?) ago +Up .* +web$`));
    assert.equal(await ok('ps', '-q'), `${id.slice(0, 12)}\n`);
    assert.equal(await ok('ps', '-q', '--no-trunc'), `${id}\n`);
    const all = (await ok('ps', '-a', '--all-pods')).trimEnd().split('\n');
    assert.ok(all.some((l) => l.endsWith('default/kube-pod/app')), all.join('\n'));
  });

  it('logs (stdout and stderr apart, --tail, -t), inspect (docker shape, -f), exec, top, kill -s', async () => {
    await waitFor(async () => (await berth('logs', 'web')).stdout === 'hi\n', 10_000, () => 'logs of web');
    const r = await berth('logs', 'web');
    assert.deepEqual([r.stdout, r.stderr], ['hi\n', 'oops\n']);
    assert.equal((await berth('logs', '--tail', '1', 'web')).stdout, '', 'the last line is on stderr');
    assert.match((await berth('logs', '-t', id.slice(0, 6))).stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z hi\n$/);
    const [doc] = JSON.parse(await ok('inspect', 'web')) as { Id: string; Name: string; State: { Status: string; Running: boolean; Pid: number }; Config: { Env: string[]; Cmd: string[] }; Pod: { Namespace: string } }[];
    assert.equal(doc!.Id, id);
    assert.equal(doc!.Name, '/web');
    assert.deepEqual([doc!.State.Status, doc!.State.Running, doc!.Pod.Namespace], ['running', true, 'berth']);
    assert.ok(doc!.State.Pid > 0);
    assert.ok(doc!.Config.Env.includes('GREETING=hi'), doc!.Config.Env.join(' '));
    assert.deepEqual(doc!.Config.Cmd, ['sh', '-c', 'echo $GREETING; echo oops >&2; exec sleep 1000']);
    assert.equal(await ok('inspect', '-f', '{{.State.Status}} {{.Config.Hostname}}', 'web'), 'running web\n');
    const ex = await berth('exec', '-e', 'X=1', '-w', '/tmp', 'web', 'sh', '-c', 'echo $X $(pwd) $GREETING; exit 3');
    assert.deepEqual([ex.code, ex.stdout], [3, '1 /tmp hi\n']);
    const top = (await ok('top', 'web')).trimEnd().split('\n');
    assert.match(top[0]!, /^UID +PID +PPID +C +STIME +TTY +TIME +CMD$/);
    assert.match(top[1]!, new RegExp(`^root +${doc!.State.Pid} .* sleep 1000$`));
    await ok('kill', '-s', 'STOP', 'web');
    assert.match(await readFile(`/proc/${doc!.State.Pid}/stat`, 'utf8'), /\) T /, 'SIGSTOP reached the init process');
    await ok('kill', '-s', 'CONT', 'web');
    await fails(/kill: invalid signal "NOPE"/, 'kill', '-s', 'NOPE', 'web');
  });

  it('stop, start (a new container, same name and log), restart, rm; its pod and logs go too', async () => {
    assert.equal(await ok('stop', '-t', '1', 'web'), 'web\n');
    assert.match(await ok('ps', '-a'), /Exited \(137\) .* ago .* web\n/);
    assert.equal(await ok('ps', '-q'), '');
    assert.equal(await ok('start', 'web'), 'web\n');
    const id2 = (await ok('inspect', '-f', '{{.Id}}', 'web')).trim();
    assert.notEqual(id2, id, 'a CRI container runs once: start makes a new one');
    assert.equal(await ok('inspect', '-f', '{{.State.Status}} {{.RestartCount}}', 'web'), 'running 1\n');
    await waitFor(async () => (await berth('logs', 'web')).stdout === 'hi\nhi\n', 10_000, () => 'the log continues across the restart');
    assert.equal(await ok('restart', '-t', '0', 'web'), 'web\n');
    assert.equal(await ok('inspect', '-f', '{{.State.Status}} {{.RestartCount}}', 'web'), 'running 2\n');
    assert.deepEqual(await berthPods(), ['web'], 'still one pod');
    await fails(/cannot remove web: it is running; stop it first \(berth stop web\) or use rm -f/, 'rm', 'web');
    const logPath = (await ok('inspect', '-f', '{{.LogPath}}', 'web')).trim();
    assert.equal(await ok('rm', '-f', 'web'), 'web\n');
    assert.deepEqual(await berthPods(), []);
    await assert.rejects(access(logPath), 'the log directory went with the pod');
    await fails(/no such container: web/, 'logs', 'web');
  });

  it('run --rm: output, the exit code, and nothing left behind', async () => {
    const r = await berth('run', '--rm', busybox, 'sh', '-c', 'echo bye; echo err >&2; exit 7');
    assert.deepEqual([r.code, r.stdout, r.stderr], [7, 'bye\n', 'err\n']);
    assert.deepEqual(await berthPods(), []);
    assert.equal(await ok('ps', '-aq'), '');
    assert.deepEqual(await readdir(logDir), [], 'no log directory left');
    const piped = await runCli(BERTH, ['-H', d.endpoint, 'run', '--rm', '--name', 'echoer', busybox, 'true'], { BERTH_LOG_DIR: logDir });
    assert.equal(piped.code, 0, piped.stderr);
  });

  it('-p publishes a port through portmap; -v ro binds read-only; port lists it', async () => {
    const www = join(dir, 'www');
    await mkdir(www, { recursive: true });
    await writeFile(join(www, 'index.html'), 'hello from berth\n');
    const hostPort = 20000 + Math.floor(Math.random() * 20000);
    await ok('run', '-d', '--name', 'http', '-p', `${hostPort}:80`, '-v', `${www}:/www:ro`, busybox, 'httpd', '-f', '-p', '80', '-h', '/www');
    assert.equal(await ok('port', 'http'), `80/tcp -> 0.0.0.0:${hostPort}\n`);
    assert.equal(await ok('port', 'http', '80'), `0.0.0.0:${hostPort}\n`);
    assert.match(await ok('ps'), new RegExp(`0\\.0\\.0\\.0:${hostPort}->80/tcp +http\\n`));
    let got = { status: 0, body: '' };
    await waitFor(async () => {
      got = await httpGet(net.gateway, hostPort, '/index.html');
      return got.status === 200;
    }, 10_000, () => `GET via ${net.gateway}:${hostPort}: ${JSON.stringify(got)}`);
    assert.equal(got.body, 'hello from berth\n');
    const w = await berth('exec', 'http', 'sh', '-c', 'touch /www/new');
    assert.notEqual(w.code, 0, 'the volume is read-only');
    assert.match(w.stderr, /Read-only file system/);
    await ok('rm', '-f', 'http');
  });

  it('--cpus/--memory/--cpuset-cpus show in container limits and the cgroup files; set/remove/pin/unpin change them live', async () => {
    await ok('run', '-d', '--name', 'lim', '--cpus', '0.5', '--memory', '64m', '--cpuset-cpus', '0', busybox, 'sleep', '1000');
    const limits = JSON.parse(await ok('container', 'limits', '--json', 'lim')) as { cpu: { limit: string; quota: number; period: number; cpuset: string }; memory: { limit: number } };
    assert.deepEqual([limits.cpu.limit, limits.cpu.quota, limits.cpu.period, limits.cpu.cpuset, limits.memory.limit], ['500m', 50000, 100000, '0', 64 << 20]);
    assert.match(await ok('container', 'limits', 'lim'), /CPU:\n {2}limit: {3}500m \(quota 50000µs per 100000µs period\)\n {2}shares: {2}default\n {2}cpuset: {2}0\nMemory:\n {2}limit: {3}64Mi \(67108864 bytes\)/);
    assert.equal(await cgroupFile('lim', 'cpu', 'cpu.cfs_quota_us'), '50000');
    assert.equal(await cgroupFile('lim', 'memory', 'memory.limit_in_bytes'), String(64 << 20));
    assert.equal(await cgroupFile('lim', 'cpuset', 'cpuset.cpus'), '0');

    assert.match(await ok('container', 'set', 'lim', 'cpu=200m', 'memory=128Mi'), /limit: {3}200m/);
    assert.equal(await cgroupFile('lim', 'cpu', 'cpu.cfs_quota_us'), '20000');
    assert.equal(await cgroupFile('lim', 'memory', 'memory.limit_in_bytes'), String(128 << 20));

    // Invalid input: one line, exit 1, nothing changed (not even the valid part).
    await fails(/container set: invalid cpu quantity "abc".*nothing was changed/, 'container', 'set', 'lim', 'memory=256Mi', 'cpu=abc');
    await fails(/memory "256m" means 256 thousandths of a byte .*did you mean 256Mi\?/, 'container', 'set', 'lim', 'memory=256m');
    await fails(/cpu 5m is below the minimum of 10m/, 'container', 'set', 'lim', 'cpu=5m');
    await fails(/CPU 64 is not online/, 'container', 'pin', 'lim', 'cpu', '64');
    await fails(/update: invalid memory size "lots"/, 'update', '--memory', 'lots', 'lim');
    assert.equal(await cgroupFile('lim', 'memory', 'memory.limit_in_bytes'), String(128 << 20));
    assert.equal(await cgroupFile('lim', 'cpu', 'cpu.cfs_quota_us'), '20000');

    assert.match(await ok('container', 'remove', 'lim', 'cpu'), /limit: {3}unlimited/);
    assert.equal(await cgroupFile('lim', 'cpu', 'cpu.cfs_quota_us'), '-1');
    await ok('container', 'remove', 'lim', 'memory');
    assert.ok(BigInt(await cgroupFile('lim', 'memory', 'memory.limit_in_bytes')) > 2n ** 62n, 'memory unlimited');
    assert.match(await ok('container', 'limits', 'lim'), /Memory:\n {2}limit: {3}unlimited/);

    const online = (await readFile('/sys/devices/system/cpu/online', 'utf8')).trim();
    if (online !== '0') {
      await ok('container', 'pin', 'lim', 'cpu', '1');
      assert.equal(await cgroupFile('lim', 'cpuset', 'cpuset.cpus'), '0-1');
      await ok('container', 'unpin', 'lim', 'cpu', '0');
      assert.equal(await cgroupFile('lim', 'cpuset', 'cpuset.cpus'), '1');
      await ok('container', 'unpin', 'lim', 'cpu', '1');
      assert.equal(await cgroupFile('lim', 'cpuset', 'cpuset.cpus'), online, 'nothing left: every online CPU');
    }
    await ok('update', '--cpus', '1', '--memory', '96m', 'lim');
    assert.equal(await cgroupFile('lim', 'cpu', 'cpu.cfs_quota_us'), '100000');
    assert.equal(await cgroupFile('lim', 'memory', 'memory.limit_in_bytes'), String(96 << 20));
    const before = (await ok('ps', '-aq')).trim().split('\n').length;
    await fails(/run: invalid --cpus "abc"/, 'run', '-d', '--cpus', 'abc', busybox, 'true');
    await fails(/memory limit "1k" is below the minimum of 6m/, 'run', '-d', '--memory', '1k', busybox, 'true');
    assert.equal((await ok('ps', '-aq')).trim().split('\n').length, before, 'nothing was made');
  });

  it('monitor cpu --once and --json, stats --no-stream, list, describe', async () => {
    await ok('run', '-d', '--name', 'spin', '--cpus', '0.3', busybox, 'sh', '-c', 'while :; do :; done');
    const once = (await ok('monitor', 'cpu', '--once', '--interval', '500ms')).split('\n');
    assert.match(once[0]!, /^berth monitor cpu — \d+ containers — every 0.5s — \d\d:\d\d:\d\d$/);
    assert.match(once[1]!, /^CONTAINER +POD +CPU +LIMIT +USE% +HISTORY$/);
    const spinRow = once.find((l) => l.startsWith('spin '));
    assert.match(spinRow ?? '', /^spin +berth\/spin +\d+m +300m +[\d.]+% +[▁▂▃▄▅▆▇█]/, once.join('\n'));
    assert.ok(once.some((l) => l.startsWith('default/kube-pod/app ')), 'every pod of the node');
    const cpuJson = JSON.parse(await ok('monitor', 'cpu', '--once', '--json', '--interval', '300ms')) as { containers: { name: string; cpu: { millicores: number; limitMillicores: number } }[] };
    assert.equal(cpuJson.containers.find((c) => c.name === 'spin')?.cpu.limitMillicores, 300);
    const json = JSON.parse(await ok('monitor', 'memory', '--once', '--json', '--interval', '200ms')) as { resource: string; containers: { name: string; memory: { workingSetBytes: number; limitBytes: number | null } }[] };
    assert.equal(json.resource, 'memory');
    const lim = json.containers.find((c) => c.name === 'lim');
    assert.equal(lim?.memory.limitBytes, 96 << 20);
    assert.ok((lim?.memory.workingSetBytes ?? 0) > 0);
    const net1 = await ok('monitor', 'network', '--once', '--interval', '200ms', '--pod', 'spin');
    assert.match(net1, /\nPOD +CONTAINERS +RX\/s +TX\/s +RX +TX +HISTORY\nberth\/spin +spin +/);
    const stats = (await ok('stats', '--no-stream', 'spin')).split('\n');
    assert.match(stats[0]!, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +PIDS$/);
    assert.match(stats[1]!, /^[0-9a-f]{12} +spin +[\d.]+% +\S+ \/ \S+ +[\d.]+% +\S+ \/ \S+ +1$/);

    const list = await ok('list');
    assert.match(list, /^CONTAINER ID +NAME +POD +NAMESPACE +STATE +IMAGE +CPU +CPUSET +MEMORY\n/);
    assert.match(list, /\n[0-9a-f]{12} +spin +spin +berth +Running +\S+busybox:latest +300m +all +unlimited\n/);
    assert.match(list, /\n[0-9a-f]{12} +lim +lim +berth +Running +\S+ +1 +\S+ +96Mi\n/);
    assert.match(list, /\n[0-9a-f]{12} +default\/kube-pod\/app +kube-pod +default +Running /);
    const dc = await ok('describe', 'spin');
    assert.match(dc, /^Container\n {2}Name: +spin\n {2}ID: +[0-9a-f]{64}\n/);
    assert.match(dc, /\nPod\n {2}Name: +berth\/spin\n/);
    assert.match(dc, /\nLimits\n {2}CPU: +300m \(quota 30000\/100000µs\)\n/);
    assert.match(await ok('describe', 'kube-pod'), /^Pod\n {2}Name: +default\/kube-pod\n[^]*\nMetadata\n {2}Containers:\n {4}default\/kube-pod\/app /);
    assert.match(await ok('describe', busybox), /^Image\n {2}ID: +sha256:[0-9a-f]{64}\n[^]*Used by:\n/);
    await fails(/no container, pod or image called "nothing-here"/, 'describe', 'nothing-here');
    await ok('rm', '-f', 'spin', 'lim');
  });

  it('system prune removes exited berth containers, their pods and unused images; never the kubelet\'s', async () => {
    await ok('pull', layered);
    await ok('run', '-d', '--name', 'done', busybox, 'true');
    await waitFor(async () => (await ok('ps', '-a')).includes('Exited (0)'), 10_000, () => 'done exits');
    const r = await berth('system', 'prune', '-a', '-f');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n\nDeleted Images:\n[^]*untagged: \S+layered/);
    assert.deepEqual(await berthPods(), []);
    const { images } = await d.client.call(ListImages, {});
    assert.ok(!images.some((i) => i.repoTags.some((t) => t.includes('layered'))), 'the unused image is gone');
    assert.ok(images.some((i) => i.repoTags.some((t) => t.includes('busybox'))), 'busybox is used by the kubelet-style container');
    const { containers } = await d.client.call(ListContainers, {});
    assert.equal(containers.length, 1, 'the foreign container stays');
    await fails(/refusing to prune without confirmation when stdin is not a terminal; use -f/, 'system', 'prune');
    await fails(/image \S+busybox:latest is used by container default\/kube-pod\/app \([0-9a-f]{12}\): remove the container first, or use rmi -f/, 'rmi', busybox);
    assert.match(await ok('images'), /^REPOSITORY +TAG +IMAGE ID +SIZE\n\S+busybox +latest +[0-9a-f]{12} +[\d.]+[kM]B\n$/);
  });

  it('errors are one line with exit 1; --debug adds the gRPC detail', async () => {
    await fails(/^berth: no such container: ghost \('berth ps -a' lists berth's, 'berth list' every container\)\n$/, 'stop', 'ghost');
    const down = await runCli(BERTH, ['-H', join(dir, 'none.sock'), 'ps']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^berth: listing containers: cannot connect to .*none\.sock: .* — is berthd running\? Start it, or point -H/);
    assert.equal(down.stderr.trimEnd().split('\n').length, 1);
    const dbg = await runCli(BERTH, ['-D', '-H', join(dir, 'none.sock'), 'ps']);
    assert.match(dbg.stderr, /\ngRPC: method \/runtime\.v1\.RuntimeService\/ListContainers, status Unavailable \(14\)/);
    await fails(/'frobnicate' is not a berth command/, 'frobnicate');
  });

  it('--help for every verb and sub-verb; completion scripts for berth and berthctl', async () => {
    const main = await runCli(BERTH, ['--help']);
    assert.equal(main.code, 0);
    const verbs = [...main.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    assert.ok(verbs.length >= 26, verbs.join(' '));
    for (const v of [...verbs, 'container limits', 'container set', 'container remove', 'container pin', 'container unpin', 'system prune']) {
      const h = await runCli(BERTH, [...v.split(' '), '--help']);
      assert.equal(h.code, 0, v);
      assert.match(h.stdout, new RegExp(`^Usage: {2}berth ${v}[ \n]`), v);
      assert.match(h.stdout, /\nOptions:\n/, v);
    }
    for (const cli of [BERTH, BERTHCTL]) {
      for (const shell of ['bash', 'zsh']) {
        const c = await runCli(cli, ['completion', shell]);
        assert.equal(c.code, 0, `${cli} completion ${shell}: ${c.stderr}`);
        assert.match(c.stdout, shell === 'bash' ? /\ncomplete -F _\w+ berth(ctl)?\n$/ : /^#compdef berth(ctl)?\n/);
      }
    }
    const names = await runCli(BERTH, ['-H', d.endpoint, '__complete', 'images']);
    assert.match(names.stdout, /busybox:latest/);
  });
});
