// berth's pure parts: argument parsing, run options, quantities, cpusets,
// docker-style formatting, sparklines, the monitor table, completion
// scripts, errors and help. No runtime, no root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NamespaceMode, Protocol } from '../../src/api/gen/api.js';
import { GrpcStatusError } from '../../src/client/cri-client.js';
import { parseArgs, wantsHelp } from '../../src/cli/berth/args.js';
import { checkOnline, formatCpuList, parseCpuList, pinned, unpinned } from '../../src/cli/berth/cpuset.js';
import { commandText, dockerTable, portsText, statusText } from '../../src/cli/berth/docker-format.js';
import { errorLines, wrapError } from '../../src/cli/berth/errors.js';
import { renderHelp } from '../../src/cli/berth/help.js';
import { limitsOf, cpuText, memoryText } from '../../src/cli/berth/limits.js';
import { parseGlobals } from '../../src/cli/berth/main-args.js';
import { jsonDoc, tableLines } from '../../src/cli/berth/monitor-view.js';
import { cgroupDir, cpuTime, parseStat, ttyName } from '../../src/cli/berth/proc-table.js';
import { containerConfig, hostnameOf, optionsOf, podConfig } from '../../src/cli/berth/run-config.js';
import { parsePort, parseRunOptions, parseUser, parseVolume } from '../../src/cli/berth/run-options.js';
import type { UsageRow } from '../../src/cli/berth/sampler.js';
import { parseSignal } from '../../src/cli/berth/signals.js';
import { History, sparkline } from '../../src/cli/berth/sparkline.js';
import { formatBytes, formatMillis, parseCpuLimit, parseDockerCpus, parseDockerMemory, parseMemoryLimit } from '../../src/cli/berth/units.js';
import { verb as runVerb } from '../../src/cli/berth/verbs/run.js';
import { liftFor } from '../../src/cli/berth/verbs/container-remove.js';
import { parseAssignments } from '../../src/cli/berth/verbs/container-set.js';
import { parsePinArgs } from '../../src/cli/berth/verbs/container-pin.js';
import { wrapCommand } from '../../src/cli/berth/verbs/exec.js';
import { updateChange } from '../../src/cli/berth/verbs/update.js';
import { statsTable } from '../../src/cli/berth/verbs/stats.js';
import { berthCompletionSpec } from '../../src/cli/berth/completion-spec.js';
import { bashScript, flagsFromUsage, zshScript } from '../../src/cli/common/completion.js';
import { completionSpec } from '../../src/cli/berthctl/verbs/completion.js';
import { UsageError } from '../../src/cli/common/cli-context.js';
import { buildResources } from '../../src/container/spec-resources.js';
import { Code } from '../../src/util/errors.js';
import { parseCpuQuantity, parseQuantity } from '../../src/util/quantity.js';

const RUN = { verb: 'run', flags: runVerb.flags, stopAtPositional: true };

test('args: combined short flags, attached values, --flag=value, repeats', () => {
  const p = parseArgs(RUN, ['-it', '--rm', '-p8080:80', '-p', '53:53/udp', '-e=A=1', '-e', 'B=2', '--name=web', 'busybox', 'sh', '-c', 'echo -it']);
  assert.deepEqual(p.flags, { interactive: true, tty: true, rm: true, publish: ['8080:80', '53:53/udp'], env: ['A=1', 'B=2'], name: 'web' });
  assert.deepEqual(p.args, ['busybox', 'sh', '-c', 'echo -it'], 'flags after IMAGE belong to the command');
  const ps = parseArgs({ verb: 'ps', flags: [{ name: 'all', short: 'a', kind: 'bool', help: '' }, { name: 'quiet', short: 'q', kind: 'bool', help: '' }] }, ['-aq']);
  assert.deepEqual(ps.flags, { all: true, quiet: true });
  const rm = parseArgs({ verb: 'rm', flags: [{ name: 'force', short: 'f', kind: 'bool', help: '' }] }, ['web', '-f']);
  assert.deepEqual([rm.flags, rm.args], [{ force: true }, ['web']], 'flags may follow positionals elsewhere');
  assert.throws(() => parseArgs(RUN, ['--bogus', 'x']), (e: unknown) => e instanceof UsageError && /unknown flag: --bogus/.test(e.message));
  assert.throws(() => parseArgs(RUN, ['--name']), /flag --name needs a value/);
  assert.throws(() => parseArgs({ verb: 'stop', flags: [{ name: 'time', short: 't', kind: 'int', help: '' }] }, ['-t', 'x']), /"x" is not a whole number/);
});

test('args: --help is the verb\'s, -h too unless the verb owns it (run -h is --hostname)', () => {
  assert.equal(wantsHelp(['--help'], runVerb.flags, true), true);
  assert.equal(wantsHelp(['-h', 'box', 'busybox'], runVerb.flags, true), false);
  assert.equal(wantsHelp(['busybox', 'ls', '--help'], runVerb.flags, true), false, 'the command\'s own --help');
  assert.equal(wantsHelp(['-h'], [], false), true);
  assert.equal(wantsHelp(['--name', '--help', 'busybox'], runVerb.flags, true), false, 'a flag value');
});

test('globals: -H, --debug, verbs after them', () => {
  assert.deepEqual(parseGlobals(['-H', 'unix:///x.sock', '-D', 'ps', '-a']), { globals: { host: 'unix:///x.sock', debug: true, help: false, version: false }, rest: ['ps', '-a'] });
  assert.throws(() => parseGlobals(['--nope']), /unknown flag: --nope/);
});

const opts = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const p = parseArgs(RUN, args);
  return parseRunOptions({ flags: p.flags, args: p.args, env, cwd: '/work', cpusOnNode: 4 });
};

test('run options: env, ports, volumes, limits, user', () => {
  const o = opts(['-d', '--name', 'web', '-e', 'A=1', '-e', 'HOME', '-p', '127.0.0.1:8080:80', '-p', '53:53/udp', '-v', '/srv:/data:ro', '-v', './x:/x', '--cpus', '1.5', '--memory', '256m', '--cpuset-cpus', '1,0', '-u', '1000:100', '-w', '/app', '--entrypoint', '/bin/sh', 'img', '-c', 'true'], { HOME: '/root' });
  assert.deepEqual(o.env, [{ key: 'A', value: '1' }, { key: 'HOME', value: '/root' }]);
  assert.deepEqual(o.ports, [
    { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    { hostIp: '', hostPort: 53, containerPort: 53, protocol: 'udp' },
  ]);
  assert.deepEqual(o.volumes, [{ hostPath: '/srv', containerPath: '/data', readonly: true }, { hostPath: '/work/x', containerPath: '/x', readonly: false }]);
  assert.equal(o.cpuMillis, 1500);
  assert.equal(o.memoryBytes, 256 * 1024 * 1024);
  assert.equal(o.cpusetCpus, '0-1');
  assert.deepEqual([o.entrypoint, o.cmd, o.user, o.workdir, o.detach, o.stdinOnce], [['/bin/sh'], ['-c', 'true'], '1000:100', '/app', true, false]);
  assert.equal(opts(['-i', 'img']).stdinOnce, true, 'foreground -i closes stdin with the client');
  for (const [args, re] of [
    [['--cpus', '0', 'img'], /below the minimum of 0.01/],
    [['--cpus', '9', 'img'], /more than the 4 CPUs/],
    [['--memory', '1k', 'img'], /below the minimum of 6m/],
    [['--memory', 'lots', 'img'], /invalid memory size "lots"/],
    [['-p', '80', 'img'], /needs a host port/],
    [['-p', '70000:80', 'img'], /ports are 1-65535/],
    [['-p', '1:2/icmp', 'img'], /tcp, udp or sctp/],
    [['-v', 'data:/data', 'img'], /no named volumes/],
    [['-v', '/a:rel', 'img'], /must be absolute/],
    [['--name', '-bad', 'img'], /invalid container name/],
    [['-w', 'rel', 'img'], /must be an absolute path/],
    [['-u', 'app:staff', 'img'], /numeric GID/],
    [['--cpuset-cpus', '3-1', 'img'], /end is before the start/],
    [['-p', '8080:80', '-p', '8080:81', 'img'], /published twice/],
    [[], /an IMAGE is required/],
  ] as [string[], RegExp][]) {
    assert.throws(() => opts(args), (e: unknown) => e instanceof UsageError && re.test(e.message), args.join(' '));
  }
  assert.deepEqual(parseUser('nobody'), { username: 'nobody' });
  assert.deepEqual(parsePort('[::1]:8080:80/tcp'), { hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
  assert.deepEqual(parseVolume('/a:/b:rw', '/'), { hostPath: '/a', containerPath: '/b', readonly: false });
});

test('run config: a one-container pod without infra, labelled, with the limits', () => {
  const o = opts(['--name', 'web_1', '-p', '8080:80', '--cpus', '0.5', '--memory', '64m', '-v', '/srv:/d:ro', '-u', '7', 'img', 'x']);
  const pod = podConfig(o, { uid: 'u1', logDirectory: '/var/log/berth/web_1_u1' });
  assert.deepEqual(pod.metadata, { name: 'web_1', namespace: 'berth', uid: 'u1', attempt: 0 });
  assert.equal(pod.hostname, 'web-1');
  assert.deepEqual(pod.labels, { 'io.berth.cli': 'berth', 'io.berth.name': 'web_1' });
  assert.deepEqual(pod.portMappings, [{ protocol: Protocol.TCP, containerPort: 80, hostPort: 8080, hostIp: '' }]);
  assert.equal(pod.linux?.securityContext?.namespaceOptions?.pid, NamespaceMode.CONTAINER);
  const c = containerConfig(o, 2, 'sha256:abc');
  assert.deepEqual(c.metadata, { name: 'web_1', attempt: 2 });
  assert.deepEqual(c.image, { image: 'sha256:abc', userSpecifiedImage: 'img' });
  assert.deepEqual([c.command, c.args, c.logPath], [[], ['x'], 'web_1.log']);
  assert.deepEqual(c.linux?.resources, { cpuPeriod: 100000n, cpuQuota: 50000n, memoryLimitInBytes: 64n << 20n });
  assert.deepEqual(c.linux?.securityContext?.runAsUser, { value: 7n });
  assert.deepEqual(c.mounts?.[0]?.readonly, true);
  assert.deepEqual(optionsOf(c.annotations as Record<string, string>), JSON.parse(JSON.stringify(o)), 'the options travel with the container');
  assert.equal(hostnameOf('Jolly_Rudder'), 'jolly-rudder');
});

test('quantities: Kubernetes CPU and memory, docker units, and what they print as', () => {
  assert.deepEqual(['200m', '1.5', '2', '0.25', '1.5m', '-1', '1e3', ''].map(parseCpuQuantity), [200, 1500, 2000, 250, undefined, undefined, undefined, undefined]);
  assert.equal(parseQuantity('256Mi'), 256 * 2 ** 20, 'existing users keep their meaning');
  assert.equal(parseQuantity('200m'), undefined);
  assert.equal(parseCpuLimit('200m'), 200);
  assert.throws(() => parseCpuLimit('5m'), /below the minimum of 10m/);
  assert.throws(() => parseCpuLimit('two'), /invalid cpu quantity "two"/);
  assert.equal(parseMemoryLimit('256Mi'), 256 * 2 ** 20);
  assert.equal(parseMemoryLimit('1G'), 1e9);
  assert.throws(() => parseMemoryLimit('256m'), /did you mean 256Mi\?/);
  assert.throws(() => parseMemoryLimit('1Ki'), /below the minimum of 4Mi/);
  assert.throws(() => parseMemoryLimit('big'), /invalid memory quantity/);
  assert.equal(parseDockerMemory('1g'), 2 ** 30);
  assert.equal(parseDockerMemory('1.5GiB'), 1.5 * 2 ** 30);
  assert.equal(parseDockerCpus('.5', 2), 500);
  assert.deepEqual([200, 1500, 2000, 1250, 10].map(formatMillis), ['200m', '1.5', '2', '1.25', '10m']);
  assert.deepEqual([256 * 2 ** 20, 2 ** 30, 1536 * 2 ** 20 + 1, 512].map(formatBytes), ['256Mi', '1Gi', '1.5Gi', '512B']);
});

test('limits: unlimited forms read as unlimited', () => {
  const l = limitsOf({ cpuPeriod: 100000n, cpuQuota: -1n, cpuShares: 2n, memoryLimitInBytes: -1n, oomScoreAdj: 0n, cpusetCpus: '', cpusetMems: '', hugepageLimits: [], unified: {}, memorySwapLimitInBytes: 0n });
  assert.deepEqual([cpuText(l), memoryText(l)], ['unlimited', 'unlimited']);
  assert.equal(memoryText({ ...l, memory: 9223372036854771712 }), 'unlimited');
  assert.equal(cpuText({ ...l, cpuQuota: 150000 }), '1.5');
});

test('container set/remove/pin and update: everything checked before anything is sent', () => {
  const online = () => [0, 1];
  assert.deepEqual(parseAssignments(['cpu=200m', 'memory=256Mi', 'cpuset=1'], online), { cpuPeriod: 100000n, cpuQuota: 20000n, memoryLimitInBytes: 256n << 20n, cpusetCpus: '1' });
  for (const [items, re] of [
    [['cpu=abc'], /invalid cpu quantity "abc".*nothing was changed/],
    [['memory=256m'], /did you mean 256Mi/],
    [['cpu=1', 'memory=x'], /invalid memory quantity/],
    [['cpuset=7'], /CPU 7 is not online/],
    [['disk=1G'], /unknown limit "disk"/],
    [['cpu'], /is not KEY=VALUE/],
    [[], /give at least one/],
  ] as [string[], RegExp][]) {
    assert.throws(() => parseAssignments(items, online), (e: unknown) => e instanceof UsageError && re.test(e.message), items.join(' '));
  }
  assert.deepEqual(liftFor(['cpu', 'memory']), { cpuQuota: -1n, memoryLimitInBytes: -1n, memorySwapLimitInBytes: -1n });
  assert.throws(() => liftFor(['disk']), /unknown limit "disk"/);
  assert.deepEqual(parsePinArgs('pin', ['web', 'cpu', '0,1'], [0, 1]), { ref: 'web', cpus: [0, 1] });
  assert.throws(() => parsePinArgs('pin', ['web', 'mem', '0'], [0, 1]), /berth container pin CONTAINER cpu LIST/);
  assert.throws(() => parsePinArgs('unpin', ['web', 'cpu', 'x'], [0, 1]), /invalid CPU list "x"/);
  assert.deepEqual(updateChange({ cpus: '0.5', memory: '128m', 'cpuset-cpus': '0' }, 2, online), { cpuPeriod: 100000n, cpuQuota: 50000n, memoryLimitInBytes: 128n << 20n, cpusetCpus: '0' });
  assert.deepEqual(updateChange({ memory: '-1' }, 2, online), { memoryLimitInBytes: -1n });
  assert.throws(() => updateChange({}, 2, online), /give at least one limit/);
});

test('berthd accepts memory -1 (lift the limit) and keeps 0 as "not set"', () => {
  const host = { cgroupV2: false, swapController: true, hugetlbController: false };
  const base = { cpuPeriod: 0n, cpuQuota: 0n, cpuShares: 0n, oomScoreAdj: 0n, cpusetCpus: '', cpusetMems: '', hugepageLimits: [], unified: {}, memorySwapLimitInBytes: 0n };
  assert.deepEqual(buildResources({ ...base, memoryLimitInBytes: -1n }, host).memory, { limit: -1, swap: -1 });
  assert.equal(buildResources({ ...base, memoryLimitInBytes: 0n }, host).memory, undefined);
  assert.throws(() => buildResources({ ...base, memoryLimitInBytes: -2n }, host), /is below -1/);
});

test('cpusets: lists, pin adds, unpin removes (unset = every online CPU)', () => {
  assert.deepEqual(parseCpuList('0-2,5, 7'), [0, 1, 2, 5, 7]);
  assert.equal(formatCpuList([5, 0, 1, 2, 7, 2]), '0-2,5,7');
  assert.deepEqual(pinned('', [1]), [1]);
  assert.deepEqual(pinned('0', [2, 3]), [0, 2, 3]);
  assert.deepEqual(unpinned('', [0], [0, 1, 2]), [1, 2]);
  assert.deepEqual(unpinned('1', [1], [0, 1]), []);
  assert.throws(() => checkOnline([0, 4], [0, 1]), /CPU 4 is not online on this node \(online: 0-1\)/);
});

test('docker formats: status, command, ports, table', () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
  assert.equal(statusText({ state: 1, startedAt: ns(now - 7200_000), finishedAt: 0n, exitCode: 0 }, now), 'Up 2 hours');
  assert.equal(statusText({ state: 2, startedAt: 0n, finishedAt: ns(now - 3000), exitCode: 137 }, now), 'Exited (137) 3 seconds ago');
  assert.equal(statusText({ state: 0, startedAt: 0n, finishedAt: 0n, exitCode: 0 }, now), 'Created');
  assert.equal(commandText(['httpd', '-f', '-p', '80']), '"httpd -f -p 80"');
  assert.equal(commandText(['sh', '-c', 'while :; do :; done']), '"sh -c while :; do :…"');
  assert.equal(portsText([{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostIp: '127.0.0.1', hostPort: 53, containerPort: 53, protocol: 'udp' }]), '0.0.0.0:8080->80/tcp, 127.0.0.1:53->53/udp');
  assert.equal(dockerTable([['CONTAINER ID', 'IMAGE', 'NAMES'], ['abc', 'busybox', 'web']]), 'CONTAINER ID   IMAGE     NAMES\nabc            busybox   web');
});

test('sparkline: eight block levels, scaled to the ceiling, padded to width', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8], 9, 8), '▁▁▂▃▄▅▆▇█');
  assert.equal(sparkline([5, 10], 4), '  ▄█', 'no ceiling: the largest value');
  assert.equal(sparkline([50, 200], 2, 100), '▄█', 'values above the ceiling are capped');
  assert.equal(sparkline([], 3), '   ');
  const h = new History(3);
  for (const v of [1, 2, 3, 4]) h.push('a', v);
  h.push('b', 1);
  assert.deepEqual(h.get('a'), [2, 3, 4]);
  h.retain(new Set(['a']));
  assert.deepEqual(h.get('b'), []);
});

const row = (name: string, cpu: number | undefined, mem: number, over: Partial<UsageRow> = {}): UsageRow => ({
  id: `${name}-id`, name, podId: `${name}-pod`, pod: name, namespace: 'berth', cpuMillis: cpu, cpuLimitMillis: undefined, memoryBytes: mem, memoryLimitBytes: undefined,
  rxRate: 10, txRate: 20, rxBytes: 1000, txBytes: 2000, pids: 1, ...over,
});

test('monitor view: sorted by use, usage against the limit, history sparkline, JSON', () => {
  const h = new History(20);
  h.push('b-id', 250);
  const rows = [row('a', 100, 5 << 20), row('b', 250, 1 << 20, { cpuLimitMillis: 500 })];
  const cpu = tableLines(rows, 'cpu', h);
  assert.deepEqual(cpu[0], ['CONTAINER', 'POD', 'CPU', 'LIMIT', 'USE%', 'HISTORY']);
  assert.deepEqual(cpu.slice(1).map((r) => r.slice(0, 5)), [['b', 'berth/b', '250m', '500m', '50.0%'], ['a', 'berth/a', '100m', 'none', '-']]);
  assert.equal(cpu[1]?.[5], `${' '.repeat(19)}▄`);
  const mem = tableLines([row('a', 1, 5 << 20), row('b', 1, 1 << 20, { memoryLimitBytes: 4 << 20 })], 'memory', h);
  assert.deepEqual(mem.slice(1).map((r) => r.slice(0, 5)), [['a', 'berth/a', '5MiB', 'none', '-'], ['b', 'berth/b', '1MiB', '4MiB', '25.0%']]);
  const net = tableLines([row('a', 1, 1), row('c', 1, 1, { podId: 'a-pod' })], 'network', h);
  assert.deepEqual(net.slice(1).map((r) => r.slice(0, 4)), [['berth/a', 'a,c', '10B/s', '20B/s']], 'one row per pod');
  const doc = jsonDoc(rows, 'cpu', new Date(0)) as { containers: { name: string; cpu: unknown }[] };
  assert.deepEqual(doc.containers[1], { ...doc.containers[1], name: 'b', cpu: { millicores: 250, limitMillicores: 500 } });
  const st = statsTable([row('a', 505, 1 << 20, { memoryLimitBytes: 4 << 20 })], false, 8 << 30);
  assert.deepEqual(st[1]?.slice(1), ['a', '50.50%', '1MiB / 4MiB', '25.00%', '1kB / 2kB', '1']);
});

test('exec: -e and -w wrap the command', () => {
  assert.deepEqual(wrapCommand(['ls'], [{ key: 'A', value: '1 2' }], '/tmp'), ['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', '/tmp', 'env', 'A=1 2', 'ls']);
  assert.deepEqual(wrapCommand(['ls'], [], undefined), ['ls']);
});

test('kill: signal names and numbers', () => {
  assert.deepEqual(['KILL', 'sighup', '15', 'SIGUSR1', 'NOPE', '999'].map(parseSignal), ['SIGKILL', 'SIGHUP', 'SIGTERM', 'SIGUSR1', undefined, undefined]);
});

test('top: /proc parsing', () => {
  const s = parseStat('42 (my (odd) cmd) S 1 42 42 34816 42 4194560 100 0 0 0 150 50 0 0 20 0 1 0 1234 1000 10');
  assert.deepEqual(s, { pid: 42, comm: 'my (odd) cmd', ppid: 1, ttyNr: 34816, cpuTicks: 200, startTicks: 1234 });
  assert.equal(ttyName(34816), 'pts/0');
  assert.equal(ttyName(0), '?');
  assert.equal(cpuTime(100 * 3725), '01:02:05');
  assert.equal(cgroupDir('12:pids:/berth/x\n4:memory:/berth/x\n0::/'), '/sys/fs/cgroup/memory/berth/x');
  assert.equal(cgroupDir('0::/berth/x'), '/sys/fs/cgroup/berth/x');
});

test('errors: one line without --debug; the gRPC detail with it', () => {
  const grpc = new GrpcStatusError(Code.NotFound, 'container "x" not found', '/runtime.v1.RuntimeService/StopContainer');
  const e = wrapError('stopping web', grpc);
  assert.deepEqual(errorLines(e, false), ['berth: stopping web: container "x" not found']);
  const debug = errorLines(e, true);
  assert.equal(debug[1], 'gRPC: method /runtime.v1.RuntimeService/StopContainer, status NotFound (5), details: container "x" not found');
  const down = wrapError('listing containers', new GrpcStatusError(Code.Unavailable, 'cannot connect to /x.sock: connect ENOENT /x.sock (is the runtime running?)', '/m'));
  assert.match(errorLines(down, false)[0] ?? '', /^berth: listing containers: cannot connect to \/x.sock: connect ENOENT \/x.sock — is berthd running\? Start it, or point -H/);
  assert.deepEqual(errorLines(new Error('a\nb'), false), ['berth: a; b'], 'always one line');
});

test('help: usage, description, options with defaults, examples', () => {
  const h = renderHelp('run', runVerb);
  assert.match(h, /^Usage: {2}berth run \[OPTIONS\] IMAGE \[COMMAND\] \[ARG\.\.\.\]\n\nCreate and run/);
  assert.match(h, /\n {2}-p, --publish list +Publish a port/);
  assert.match(h, /\n {6}--help +Print usage of berth run/);
  assert.match(h, /\nExamples:\n {2}\$ berth run --rm busybox echo hello/);
  for (const line of h.split('\n')) assert.ok(line.length <= 80, `wrapped: ${line}`);
});

test('completion: bash and zsh scripts for berth and berthctl parse and name every verb', async () => {
  const spec = await berthCompletionSpec();
  const bash = bashScript(spec);
  const zsh = zshScript(spec);
  for (const v of ['run', 'ps', 'monitor', 'container']) assert.ok(Object.keys(spec.verbs).includes(v), v);
  assert.ok(!Object.keys(spec.verbs).includes('__complete'), 'internal verbs stay hidden');
  assert.match(bash, /complete -F _berth berth\n$/);
  assert.match(bash, /flags\['run'\]='--help --detach -d --interactive -i/);
  assert.match(bash, /subs\['container'\]='limits set remove pin unpin'/);
  assert.match(bash, /fkinds\['run --volume'\]='file'/);
  assert.match(zsh, /^#compdef berth\n/);
  assert.match(zsh, /'monitor:Live view of cpu, memory or network use against limits'/);
  const dir = mkdtempSync(join(tmpdir(), 'berth-completion-'));
  writeFileSync(join(dir, 'berth.bash'), bash);
  execFileSync('bash', ['-n', join(dir, 'berth.bash')]);
  // Drive the bash function as the shell would: `berth container s<TAB>` and `berth monitor <TAB>`.
  const complete = (line: string): string =>
    execFileSync('bash', ['-c', `source ${join(dir, 'berth.bash')}; COMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _berth; echo "\${COMPREPLY[*]}"`]).toString().trim();
  assert.equal(complete("berth container s"), 'set');
  assert.equal(complete("berth monitor ''"), 'cpu memory network');
  assert.equal(complete("berth -H /x.sock ru"), 'run');
  assert.equal(complete("berth run --cp"), '--cpus --cpuset-cpus');
  // zsh (scripts/deps.sh --test installs it): the same, with compadd/_describe replaced by printers.
  if (spawnSync('zsh', ['--version']).status === 0) {
    writeFileSync(join(dir, '_berth'), zsh);
    execFileSync('zsh', ['-n', join(dir, '_berth')]);
    const zcomplete = (words: string): string =>
      execFileSync('zsh', [
        '-c',
        `compdef() { : }; compadd() { [[ $1 == -- ]] && shift; print -r -- "$@" }; _describe() { local a=$2; print -r -- \${(P)a} }; _files() { print FILES }
         source ${join(dir, '_berth')}; words=(${words}); CURRENT=\${#words}; _berth`,
      ]).toString().trim();
    assert.match(zcomplete("berth container s"), /^limits:Show the CPU .* unpin:Take CPUs/);
    assert.equal(zcomplete("berth monitor ''"), 'cpu memory network');
    assert.equal(zcomplete("berth -H /x.sock run -v ''"), 'FILES');
    assert.match(zcomplete("berth stop -t"), /^--help --time -t$/);
  }
  const ctl = await completionSpec({
    ps: { summary: 'List containers', load: () => import('../../src/cli/berthctl/verbs/ps.js') },
    rmp: { summary: 'Remove one or more pods', load: () => import('../../src/cli/berthctl/verbs/rmp.js') },
  });
  assert.deepEqual(ctl.details.map((d) => [d.path, d.args]), [['ps', ['none']], ['rmp', ['pod']]]);
  assert.ok(ctl.details[0]?.valueFlags.includes('--label') && ctl.details[0]?.flags.includes('-q'));
  writeFileSync(join(dir, 'berthctl.bash'), bashScript(ctl));
  execFileSync('bash', ['-n', join(dir, 'berthctl.bash')]);
  const u = flagsFromUsage('Options:\n  --all, -a                 Show all\n  --last value, -n value    Show last\n  --auth AUTH_STRING  Use it');
  assert.deepEqual(u, { flags: ['--all', '-a', '--last', '-n', '--auth'], valueFlags: ['--last', '-n', '--auth'] });
});
