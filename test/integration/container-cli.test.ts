// berthctl's container verbs against a real berthd, registry and CNI network:
// pods and containers made through the CLI itself (run, runp + create +
// start), then crictl's shapes for ps/inspect/logs/stats, exec -s exit
// codes, update, stop/rm, events, ID prefixes, and one-line errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListPodSandbox, RemovePodSandbox, ReopenContainerLog } from '../../src/api/methods.js';
import { BERTHCTL, makeTestDir, runCli, startDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { DEFAULT_IMAGE_DIR } from '../support/images/build.js';
import { makeTestNetwork, type TestNetwork } from '../support/pod-net.js';
import { imageRef, seedRegistry } from '../support/registry/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry/registry.js';

let reg: RunningRegistry;
let busybox: string;
let d: TestDaemon;
let net: TestNetwork;
let dir: string;

const ENV = { NODE_EXTRA_CA_CERTS: '' };
const ctl = (...args: string[]) => runCli(BERTHCTL, ['-r', d.endpoint, '-t', '30s', ...args], ENV);

/** Runs berthctl and insists on success; its stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await ctl(...args);
  assert.equal(r.code, 0, `berthctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A failure is exit 1 with exactly one line on stderr. */
async function fails(re: RegExp, ...args: string[]): Promise<void> {
  const r = await ctl(...args);
  assert.equal(r.code, 1, `berthctl ${args.join(' ')} should fail: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
}

let seq = 0;
/** A pod config file in crictl's snake_case JSON. */
async function podFile(name = `cli-pod-${seq++}`): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify({ metadata: { name, namespace: 'cli-ns', uid: `uid-${name}` }, log_directory: join(dir, 'logs', name), linux: {} }));
  return path;
}

/** A container config file in YAML, the way crictl's docs write them. */
async function ctrFile(name: string, cmd: string[], extra = ''): Promise<string> {
  const path = join(dir, `${name}-${seq++}.yaml`);
  await writeFile(path, `metadata:\n  name: ${name}\nimage:\n  image: ${busybox}\ncommand: ${JSON.stringify(cmd)}\nlog_path: ${name}.log\nlabels:\n  tier: ${name}\n${extra}`);
  return path;
}

before(async () => {
  reg = await startRegistry({ auth: 'none' });
  busybox = imageRef(reg.host, (await seedRegistry(reg, DEFAULT_IMAGE_DIR)).busybox);
  dir = await makeTestDir('berth-ctrcli-');
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

describe('berthctl container verbs', () => {
  let sleeper: string; // running, made by `run`
  let second: string; // made by runp + create + start
  let pod2: string;

  it('run pulls, creates and starts; runp + create + start by ID prefixes', async () => {
    sleeper = (await ok('run', await ctrFile('sleeper', ['sleep', '1000']), await podFile())).trim();
    assert.match(sleeper, /^[0-9a-f]{64}$/);
    const podPath = await podFile();
    pod2 = (await ok('runp', podPath)).trim();
    const created = await ok('create', '--no-pull', pod2.slice(0, 8), await ctrFile('second', ['sleep', '1000'], 'annotations:\n  note: hi\n'), podPath);
    second = created.trim();
    assert.match(second, /^[0-9a-f]{64}$/);
    assert.equal(await ok('ps', '-q'), `${sleeper}\n`, 'ps shows running containers only');
    assert.equal(await ok('start', second.slice(0, 10)), `${second.slice(0, 10)}\n`, 'start prints the ID as given');
    assert.equal(await ok('ps', '-q'), `${second}\n${sleeper}\n`, 'newest first');
  });

  it("ps: crictl's columns and filters, -o json/yaml", async () => {
    const lines = (await ok('ps')).trimEnd().split('\n');
    assert.match(lines[0]!, /^CONTAINER\s{11}IMAGE\s+CREATED\s+STATE\s+NAME\s+ATTEMPT\s+POD ID\s+POD\s+NAMESPACE$/);
    assert.match(lines[1]!, new RegExp(`^${second.slice(0, 13)}\\s+${busybox.replace(/[.:/]/g, '\\$&')}\\s+(Less than a second|\\d+ seconds?) ago\\s+Running\\s+second\\s+0\\s+${pod2.slice(0, 13)}\\s+unknown\\s+unknown$`));
    assert.equal(lines.length, 3);
    assert.equal(await ok('ps', '-q', '--name', '^sle'), `${sleeper}\n`);
    assert.equal(await ok('ps', '-q', '--label', 'tier=second'), `${second}\n`);
    assert.equal(await ok('ps', '-q', '-p', pod2), `${second}\n`);
    assert.equal(await ok('ps', '-q', '--id', sleeper.slice(0, 5)), `${sleeper}\n`);
    assert.equal(await ok('ps', '-ql'), `${second}\n`);
    assert.equal(await ok('ps', '-q', '--last', '2'), `${second}\n${sleeper}\n`);
    assert.equal(await ok('ps', '-q', '--state', 'exited'), '');
    assert.equal(await ok('ps', '-q', '--image', busybox), `${second}\n${sleeper}\n`);
    assert.equal(await ok('ps', '-q', '--image', 'nosuchimage'), '');
    assert.match(await ok('ps', '--no-trunc'), new RegExp(`^${sleeper}\\s`, 'm'));
    assert.match(await ok('ps', '-v'), new RegExp(`^ID: ${second}\\nPodID: ${pod2}\\nNamespace: unknown\\nName: second\\nAttempt: 0\\nState: Running\\n`));
    const json = JSON.parse(await ok('ps', '-o', 'json', '--id', second)) as { containers: Record<string, unknown>[] };
    assert.equal(json.containers.length, 1);
    const c = json.containers[0]!;
    assert.equal(c.id, second);
    assert.equal(c.podSandboxId, pod2);
    assert.equal(c.state, 'CONTAINER_RUNNING');
    assert.match(c.createdAt as string, /^\d{19}$/);
    assert.deepEqual(c.metadata, { name: 'second', attempt: 0 });
    assert.deepEqual(c.labels, { tier: 'second' });
    assert.deepEqual(c.annotations, { note: 'hi' });
    assert.equal((c.image as { image: string }).image, busybox);
    assert.match(await ok('ps', '-o', 'yaml'), /^containers:\n- annotations:/);
    await fails(/--state should be one of created, running, exited or unknown/, 'ps', '--state', 'sleeping');
  });

  it('inspect: {info, status} with decoded info and RFC 3339 times; table; go-template; filters', async () => {
    // crictl puts each verbose info key beside "status"; berthd's keys are "info" and the observer's "timeline".
    const doc = JSON.parse(await ok('inspect', sleeper.slice(0, 12))) as { info: { pid: number; sandboxID: string }; status: Record<string, unknown> };
    assert.deepEqual(Object.keys(doc), ['info', 'status', 'timeline']);
    assert.equal(doc.status.id, sleeper);
    assert.equal(doc.status.state, 'CONTAINER_RUNNING');
    assert.match(doc.status.createdAt as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.match(doc.status.startedAt as string, /^20\d\d-/);
    assert.equal(doc.status.finishedAt, '0001-01-01T00:00:00Z');
    assert.equal(doc.status.exitCode, 0);
    assert.match(doc.status.logPath as string, /sleeper\.log$/);
    assert.ok(doc.info.pid > 0);
    assert.equal(typeof doc.info.sandboxID, 'string');
    const two = JSON.parse(await ok('inspect', '-q', sleeper, second)) as { status: { id: string }; info?: unknown }[];
    assert.deepEqual(two.map((x) => x.status.id), [sleeper, second]);
    assert.equal(two[0]!.info, undefined);
    assert.equal(await ok('inspect', '-o', 'go-template', '--template', '{{.status.metadata.name}} {{.status.state}}', second), 'second CONTAINER_RUNNING\n');
    assert.match(await ok('inspect', '-o', 'table', second), new RegExp(`^ID: ${second}\\nName: second\\nState: CONTAINER_RUNNING\\nCreated: .* ago\\nStarted: .* ago\\nLabels:\\n\\ttier -> second\\nAnnotations:\\n\\tnote -> hi\\nInfo: map\\[info:\\{`));
    assert.match(await ok('inspect', '-o', 'yaml', '-q', second), /^status:\n {2}annotations:\n {4}note: hi\n/);
    const filtered = JSON.parse(await ok('inspect', '--name', 'second')) as { status: { id: string } };
    assert.equal(filtered.status.id, second);
  });

  it('exec -s: output on stdout/stderr, the exit code is berthctl\'s', async () => {
    const r = await ctl('exec', '-s', sleeper, 'sh', '-c', 'echo out; echo err >&2; exit 3');
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal((await ctl('exec', '-s', '--timeout', '5', sleeper.slice(0, 7), 'true')).code, 0, 'prefix and timeout');
  });

  it('update: new limits visible in inspect', async () => {
    assert.equal(await ok('update', '--cpu-quota', '50000', '--cpu-period', '100000', '--memory', '67108864', sleeper.slice(0, 9)), `${sleeper.slice(0, 9)}\n`);
    const r = JSON.parse(await ok('inspect', '-q', sleeper)) as { status: { resources: { linux: { cpuQuota: string; cpuPeriod: string; memoryLimitInBytes: string } } } };
    assert.equal(r.status.resources.linux.cpuQuota, '50000');
    assert.equal(r.status.resources.linux.cpuPeriod, '100000');
    assert.equal(r.status.resources.linux.memoryLimitInBytes, '67108864');
  });

  it("stats and statsp: crictl's columns from two samples; -o json", async () => {
    const s = (await ok('stats', '-s', '1')).trimEnd().split('\n');
    assert.match(s[0]!, /^CONTAINER\s+NAME\s+CPU %\s+MEM\s+DISK\s+INODES\s+SWAP$/);
    assert.match(s.find((l) => l.startsWith(sleeper.slice(0, 13))) ?? '', /^[0-9a-f]{13}\s+sleeper\s+\d+\.\d\d\s+[\d.]+[kMG]?B\s+[\d.]+[kMG]?B\s+\d+\s+[\d.]+[kMG]?B$/);
    const one = (await ok('stats', '-s', '1', sleeper.slice(0, 6))).trimEnd().split('\n');
    assert.equal(one.length, 2, 'an ID argument filters');
    const json = JSON.parse(await ok('stats', '-o', 'json', '--id', sleeper)) as { stats: { attributes: { id: string }; cpu: { usageCoreNanoSeconds: { value: string } }; memory: { workingSetBytes: { value: string } } }[] };
    assert.equal(json.stats.length, 1);
    assert.equal(json.stats[0]!.attributes.id, sleeper);
    assert.match(json.stats[0]!.memory.workingSetBytes.value, /^\d+$/);
    const p = (await ok('statsp', '-s', '1', pod2)).trimEnd().split('\n');
    assert.match(p[0]!, /^POD\s+POD ID\s+CPU %\s+MEM$/);
    assert.match(p[1]!, new RegExp(`^cli-pod-\\d+\\s+${pod2.slice(0, 13)}\\s+\\d+\\.\\d\\d\\s+[\\d.]+[kMG]?B$`));
    const pj = JSON.parse(await ok('statsp', '-o', 'json', '--id', pod2)) as { stats: { attributes: { id: string } }[] };
    assert.equal(pj.stats[0]!.attributes.id, pod2);
  });

  it('logs: stdout/stderr split, joined long lines, --tail, --timestamps, --since', async () => {
    const long = 'x'.repeat(20_000);
    const id = (await ok('run', await ctrFile('printer', ['sh', '-c', `echo one; echo two >&2; printf partial; echo; echo ${long}; for i in 1 2 3; do echo line$i; done; printf end`]), await podFile())).trim();
    await waitFor(async () => (await ok('ps', '-q', '--state', 'exited', '--id', id)) !== '', 15_000, () => 'printer did not exit');
    const all = await ctl('logs', id.slice(0, 8));
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, `one\npartial\n${long}\nline1\nline2\nline3\nend\n`, 'pieces joined; the closing empty F ends "end"');
    assert.equal(all.stderr, 'two\n');
    const raw = await readFile(JSON.parse(await ok('inspect', '-q', id)).status.logPath as string, 'utf8');
    assert.match(raw, / stdout P x{100}/, 'conmon really split the long line');
    assert.equal((await ok('logs', '--tail', '2', id)), 'line3\nend\n');
    assert.match(await ok('logs', '-t', '--tail', '1', id), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z end\n$/);
    assert.equal(await ok('logs', '--since', '2999-01-01T00:00:00Z', id), '');
    assert.equal((await ctl('logs', '--since', '1h', id)).stderr, 'two\n');
    assert.equal(await ok('logs', '--limit-bytes', '5', '--tail', '1', id), 'end\n');
    await fails(/failed to parse --since/, 'logs', '--since', 'soon', id);
  });

  it('logs -f follows a container that prints and ends when it exits', async () => {
    const id = (await ok('run', await ctrFile('ticker', ['sh', '-c', 'for i in 1 2 3 4; do echo tick$i; sleep 0.4; done; echo bye >&2']), await podFile())).trim();
    const started = Date.now();
    const r = await ctl('logs', '-f', id);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'tick1\ntick2\ntick3\ntick4\n');
    assert.equal(r.stderr, 'bye\n');
    assert.ok(Date.now() - started < 10_000, 'ended with the container');
    assert.equal(await ok('ps', '-q', '-a', '--state', 'exited', '--id', id), `${id}\n`);
  });

  it('logs -f keeps following across a kubelet-style rotation (rename + ReopenContainerLog)', async () => {
    const id = (await ok('run', await ctrFile('rotor', ['sh', '-c', 'for i in $(seq 1 15); do echo n$i; sleep 0.2; done']), await podFile())).trim();
    const logPath = (JSON.parse(await ok('inspect', '-q', id)) as { status: { logPath: string } }).status.logPath;
    const p = spawn(process.execPath, [BERTHCTL, '-r', d.endpoint, 'logs', '-f', id], { env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => p.on('close', r));
    await waitFor(() => out.includes('n3\n'), 10_000, () => `no output: ${out}`);
    await rename(logPath, `${logPath}.20240101-000000`);
    await d.client.call(ReopenContainerLog, { containerId: id });
    assert.equal(await exited, 0);
    assert.equal(out, Array.from({ length: 15 }, (_v, i) => `n${i + 1}\n`).join(''), 'every line once, in order');
    assert.match(await readFile(logPath, 'utf8'), / stdout F n15\n/, 'the rest went to the new file');
  });

  it('events: a started container is streamed as JSON', async () => {
    const p = spawn(process.execPath, [BERTHCTL, '-r', d.endpoint, 'events'], { env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await new Promise((r) => setTimeout(r, 300)); // subscribed before the container starts
      const id = (await ok('run', await ctrFile('evented', ['sleep', '100']), await podFile())).trim();
      await waitFor(() => out.includes(`"containerId": "${id}"`) && out.includes('CONTAINER_STARTED_EVENT'), 10_000, () => `no event in ${out}`);
      // Pods publish events too (their id as container_id, as containerd): take the container's first.
      type Ev = { containerId: string; containerEventType: string; podSandboxStatus: { state: string }; containersStatuses: { id: string; state: string }[] };
      const events = out.split('\n}\n').filter((x) => x.trim()).map((x) => JSON.parse(`${x}\n}`) as Ev);
      const e = events.find((x) => x.containerId === id);
      assert.ok(e, out);
      assert.match(e.containerEventType, /^CONTAINER_(CREATED|STARTED)_EVENT$/);
      assert.equal(e.podSandboxStatus.state, 'SANDBOX_READY');
      assert.ok(e.containersStatuses.some((s) => s.id === id));
    } finally {
      p.kill('SIGINT');
    }
  });

  it('stop and rm: IDs printed, running containers need -f, logs removed, -a', async () => {
    assert.equal(await ok('stop', '-t', '1', sleeper.slice(0, 11)), `${sleeper.slice(0, 11)}\n`);
    assert.match(await ok('ps', '-a', '--id', sleeper), /\sExited\s/);
    const logPath = (JSON.parse(await ok('inspect', '-q', sleeper)) as { status: { logPath: string } }).status.logPath;
    await access(logPath);
    assert.equal(await ok('rm', sleeper.slice(0, 11)), `${sleeper.slice(0, 11)}\n`);
    await assert.rejects(access(logPath), 'the log file goes with the container (crictl)');
    await fails(new RegExp(`container "${second}" is running, please stop it first`), 'rm', second);
    assert.equal(await ok('rm', '-f', second), `${second}\n${second}\n`, 'stopped, then removed');
    const running = await ok('ps', '-q');
    assert.ok(running, 'some containers still run');
    assert.equal(await ok('stop', '-a'), running, 'stop -a: every running container, IDs printed');
    assert.equal(await ok('stop', '-a'), 'No running containers found.\n');
    const left = (await ok('ps', '-qa')).trim().split('\n').filter(Boolean);
    assert.ok(left.length > 0);
    const removed = (await ok('rm', '-a')).trim().split('\n');
    assert.deepEqual(removed.sort(), left.sort());
    assert.equal(await ok('ps', '-qa'), '');
  });

  it('errors: unknown IDs, usage, unimplemented checkpoint — one line, exit 1', async () => {
    for (const verb of ['start', 'stop', 'rm', 'inspect', 'logs', 'update']) await fails(/no such container "f00ba4"/, verb, 'f00ba4');
    await fails(/no such pod "f00ba4"/, 'create', 'f00ba4', await ctrFile('x', ['true']), await podFile());
    await fails(/config at .*nope\.yaml not found/, 'create', 'f00ba4', join(dir, 'nope.yaml'), await podFile());
    await fails(/ID cannot be empty/, 'start');
    await fails(/needs POD, container-config/, 'create', 'x');
    await fails(/conflict: no-pull and with-pull are both set/, 'run', '--no-pull', '--with-pull', 'a', 'b');
    await fails(/unknown flag --bogus/, 'ps', '--bogus');
    const id = (await ok('run', await ctrFile('cp', ['sleep', '100']), await podFile())).trim();
    await fails(/cannot checkpoint a container without specifying the checkpoint destination/, 'checkpoint', id);
    const cp = await ctl('checkpoint', '--export', join(dir, 'cp.tar'), id);
    // berthd checkpoints where CRIU works; elsewhere it says why (test/integration/checkpoint.test.ts).
    if (cp.code === 0) assert.equal(cp.stdout, `${id}\n`);
    else assert.match(cp.stderr, new RegExp(`^berthctl: checkpointing the container "${id}" failed: .*FailedPrecondition: runtime: cannot checkpoint container ${id}: \`criu check\` fails`));
    await ok('rm', '-f', id);
  });
});
