// berthd as a process: serving the CRI on its socket, Version/Status/
// RuntimeConfig, every RPC of the contract served, clean shutdown, socket ownership.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stat, writeFile, mkdir, access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { CgroupDriver } from '../../src/api/gen/api.js';
import { methods } from '../../src/api/method-table.js';
import { CheckpointContainer, RuntimeConfig, Status, Version } from '../../src/api/methods.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { Code } from '../../src/util/errors.js';
import { BERTHCTL, BERTHD, makeTestDir, restartDaemon, runCli, startDaemon, waitFor } from '../support/daemon.js';

test('Version fills all four fields', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const v = await d.client.call(Version, { version: 'v1' });
  assert.equal(v.runtimeName, 'berth');
  assert.equal(v.runtimeApiVersion, 'v1');
  assert.match(v.runtimeVersion, /^\d+\.\d+\.\d+/);
  assert.equal(v.version, '0.1.0');
});

test('socket is 0660 and removed on SIGTERM', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const st = await stat(d.socket);
  assert.ok(st.isSocket());
  assert.equal(st.mode & 0o777, 0o660);
  assert.equal(st.uid, 0);
  assert.equal(await d.stop(), 0);
  await assert.rejects(access(d.socket), /ENOENT/);
  await assert.rejects(access(join(d.state, 'berthd.pid')), /ENOENT/);
});

test('Status: NetworkReady follows the CNI config directory without a restart', async (t) => {
  const d = await startDaemon({ installDefaultNetwork: false });
  t.after(() => d.cleanup());
  const before = await d.client.call(Status, { verbose: false });
  const cond = (name: string, s = before) => s.status?.conditions.find((c) => c.type === name);
  assert.equal(cond('RuntimeReady')?.status, true);
  assert.equal(cond('NetworkReady')?.status, false);
  assert.equal(cond('NetworkReady')?.reason, 'NetworkPluginNotReady');
  assert.match(cond('NetworkReady')?.message ?? '', /no CNI network config found/);

  await mkdir(d.cniConfDir, { recursive: true });
  await writeFile(join(d.cniConfDir, '10-test.conflist'), JSON.stringify({
    cniVersion: '1.0.0', name: 'test', plugins: [{ type: 'bridge', bridge: 'btest0', ipam: { type: 'host-local', subnet: '10.99.0.0/24' } }],
  }));
  await waitFor(async () => cond('NetworkReady', await d.client.call(Status, {}))?.status === true, 5000, () => 'NetworkReady never became true');

  // A config naming a plugin that does not exist is not a ready network.
  await writeFile(join(d.cniConfDir, '05-broken.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'broken', plugins: [{ type: 'no-such-plugin' }] }));
  const verbose = await d.client.call(Status, { verbose: true });
  assert.equal(cond('NetworkReady', verbose)?.status, true, 'the valid config later in order still wins');
  const cni = JSON.parse(verbose.info.cniconfig ?? '{}') as { file?: string };
  assert.equal(cni.file, join(d.cniConfDir, '10-test.conflist'));
  const config = JSON.parse(verbose.info.config ?? '{}') as { storage?: { root?: string } };
  assert.equal(config.storage?.root, d.root);
});

test('Status: RuntimeReady is false, with the reason, when the runtime binary is missing', async (t) => {
  const d = await startDaemon({ toml: '[runtime.handlers.runc]\npath = "/nonexistent/runc"\n' });
  t.after(() => d.cleanup());
  const s = await d.client.call(Status, {});
  const rt = s.status?.conditions.find((c) => c.type === 'RuntimeReady');
  assert.equal(rt?.status, false);
  assert.match(rt?.message ?? '', /\/nonexistent\/runc/);
});

test('a default bridge network is installed into an empty conf_dir', async (t) => {
  const d = await startDaemon({ installDefaultNetwork: true });
  t.after(() => d.cleanup());
  const s = await d.client.call(Status, { verbose: true });
  assert.equal(s.status?.conditions.find((c) => c.type === 'NetworkReady')?.status, true);
  const conf = JSON.parse((await import('node:fs')).readFileSync(join(d.cniConfDir, '10-berth-bridge.conflist'), 'utf8')) as { plugins: { type: string }[] };
  assert.deepEqual(conf.plugins.map((p) => p.type), ['bridge', 'portmap']);
});

test('RuntimeConfig reports the cgroup driver', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const r = await d.client.call(RuntimeConfig, {});
  assert.equal(r.linux?.cgroupDriver, CgroupDriver.CGROUPFS);
});

test('every RPC of the CRI 1.36 contract is served: none answers UNIMPLEMENTED; an unknown method does, naming it', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const served: string[] = [];
  for (const def of Object.values(methods)) {
    if (def.service === 'Pulls') continue;
    // An empty request: most calls refuse it (InvalidArgument, NotFound); none may be missing.
    const ac = new AbortController();
    const call = def.serverStream
      ? d.client.transport.serverStream(def.path, new Uint8Array(), () => ac.abort(), { signal: ac.signal, timeoutMs: 2000 })
      : d.client.transport.unary(def.path, new Uint8Array(), { timeoutMs: 10_000 });
    const code = await call.then(
      () => Code.OK,
      (e: unknown) => (e instanceof GrpcStatusError ? e.grpcCode : Code.Unknown),
    );
    assert.notEqual(code, Code.Unimplemented, def.name);
    served.push(def.name);
  }
  assert.equal(served.length, 41, 'the 41 RPCs of CRI v1 as of Kubernetes 1.36');
  await assert.rejects(d.client.transport.unary('/runtime.v1.RuntimeService/NoSuchRpc', new Uint8Array()), (e: unknown) => {
    assert.ok(e instanceof GrpcStatusError);
    assert.equal(e.grpcCode, Code.Unimplemented);
    assert.match(e.details, /NoSuchRpc/);
    return true;
  });
});

test('a second berthd on a live socket refuses; a stale socket is replaced', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const second = await runBerthd(['--config', d.configFile, '--root', d.root, '--state', join(d.dir, 'state2'), '--listen', `unix://${d.socket}`]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /another process .* is serving this socket/);
  // The first daemon is unharmed.
  assert.equal((await d.client.call(Version, {})).runtimeName, 'berth');

  // Stale: a socket file nobody listens on any more (daemon crashed).
  await d.kill();
  await access(d.socket); // SIGKILL leaves it behind
  const again = await restartDaemon(d);
  t.after(() => again.cleanup());
  assert.equal((await again.client.call(Version, {})).runtimeName, 'berth');
});

test('a socket path held by a non-berth listener is refused, not stolen', async (t) => {
  const dir = await makeTestDir();
  const sock = join(dir, 'other.sock');
  const other = createServer((s) => s.destroy());
  await new Promise<void>((r) => other.listen(sock, r));
  t.after(() => other.close());
  const conf = join(dir, 'berth.toml');
  await writeFile(conf, `[network]\nconf_dir = "${join(dir, 'cni')}"\n`);
  const r = await runBerthd(['--root', join(dir, 'root'), '--state', join(dir, 'state'), '--listen', `unix://${sock}`, '--config', conf]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /serving this socket/);
  await access(sock);
  await assert.rejects(access(join(dir, 'cni')), /ENOENT/, 'refused before any side effect');
});

test('bad configuration stops start-up naming file, key and reason', async (t) => {
  const dir = await makeTestDir();
  const file = join(dir, 'berth.toml');
  await writeFile(file, '[runtime]\ncgroup_manager = "cgroupz"\n');
  const r = await runBerthd(['--config', file, 'config']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`${file}: runtime.cgroup_manager: must be one of auto, cgroupfs, systemd`));

  await writeFile(file, '[grpc]\nlisten = "unix:///tmp/x.sock"\nbogus = 1\n');
  const r2 = await runBerthd(['--config', file, 'config']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /grpc.bogus: unknown key/);

  // A drop-in is validated on its own and named.
  await writeFile(file, '');
  await mkdir(join(dir, 'berth.d'));
  await writeFile(join(dir, 'berth.d', '50-bad.toml'), '[streaming]\nidle_timeout = "soon"\n');
  const r3 = await runBerthd(['--config', file, 'config']);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /50-bad\.toml: streaming.idle_timeout: must be a duration/);
  t.after(() => undefined);
});

test('berthd config prints the effective configuration as TOML, drop-ins merged in name order', async () => {
  const dir = await makeTestDir();
  const file = join(dir, 'berth.toml');
  await writeFile(file, '[log]\nlevel = "warn"\n[image.registries."docker.io"]\nmirrors = ["http://127.0.0.1:5000"]\n');
  await mkdir(join(dir, 'berth.d'));
  await writeFile(join(dir, 'berth.d', '20-b.toml'), '[runtime]\ndefault_handler = "crun"\n');
  await writeFile(join(dir, 'berth.d', '10-a.toml'), '[runtime]\ndefault_handler = "runc"\n[streaming]\nport = 10010\n');
  const r = await runBerthd(['--config', file, '--state', '/run/other', 'config']);
  assert.equal(r.code, 0, r.stderr);
  const cfg = parseToml(r.stdout) as Record<string, Record<string, unknown>>;
  assert.equal(cfg.log?.level, 'warn');
  assert.equal(cfg.runtime?.default_handler, 'crun', '20-b.toml overrides 10-a.toml');
  assert.equal(cfg.streaming?.port, 10010);
  assert.equal(cfg.storage?.state, '/run/other', 'flags override files');
  const handlers = cfg.runtime?.handlers as Record<string, { root: string }>;
  assert.equal(handlers.runc?.root, '/run/other/runc');
  assert.deepEqual((cfg.image?.registries as Record<string, { mirrors: string[] }>)['docker.io']?.mirrors, ['http://127.0.0.1:5000']);
  assert.match(r.stdout, /^# /m, 'commented');
});

test('berthctl version and info: flag, environment and crictl.yaml endpoints', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const byFlag = await runCli(BERTHCTL, ['-r', d.endpoint, 'version']);
  assert.equal(byFlag.code, 0, byFlag.stderr);
  assert.match(byFlag.stdout, /^Version:  0\.1\.0\nRuntimeName:  berth\nRuntimeVersion:  \S+\nRuntimeApiVersion:  v1\n$/);

  const byEnv = await runCli(BERTHCTL, ['version', '-o', 'json'], { CONTAINER_RUNTIME_ENDPOINT: d.endpoint });
  assert.equal(byEnv.code, 0, byEnv.stderr);
  assert.equal((JSON.parse(byEnv.stdout) as { runtimeName: string }).runtimeName, 'berth');

  const yaml = join(d.dir, 'crictl.yaml');
  await writeFile(yaml, `runtime-endpoint: ${d.endpoint}\nimage-endpoint: ${d.endpoint}\ntimeout: 5\ndebug: false\n`);
  const byFile = await runCli(BERTHCTL, ['--config', yaml, 'info']);
  assert.equal(byFile.code, 0, byFile.stderr);
  const info = JSON.parse(byFile.stdout) as { status: { conditions: { type: string; status: boolean }[] }; config: unknown };
  assert.deepEqual(info.status.conditions.map((c) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);
  assert.ok(info.config, 'verbose info carries the config');

  const down = await runCli(BERTHCTL, ['-r', `unix://${d.dir}/nothing.sock`, 'version']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^berthctl: .*cannot connect to .*nothing\.sock.*\n$/);
});

function runBerthd(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BERTHD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('old gRPC-Go clients that send the socket path as :authority are served', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const { rawGrpcCall } = await import('../support/raw-h2.js');
  const { VersionRequest, VersionResponse } = await import('../../src/api/gen/api.js');
  const body = VersionRequest.encode({ version: 'v1' }).finish();
  for (const authority of [d.socket, '/run/berth/berth.sock', 'localhost']) {
    const r = await rawGrpcCall(d.socket, Version.path, body, authority);
    assert.equal(r.status, 200, authority);
    assert.equal(r.grpcStatus, '0', authority);
    const v = VersionResponse.decode(r.messages[0] as Uint8Array);
    assert.equal(v.runtimeName, 'berth');
  }
  // Error statuses reach such clients too.
  const un = await rawGrpcCall(d.socket, CheckpointContainer.path, new Uint8Array(), d.socket);
  assert.equal(un.grpcStatus, String(Code.InvalidArgument), 'container_id is empty');
});
