// berthd driven by gRPC clients we did not write: Debian's gRPC-Go (the
// kubelet's and crictl's stack) in test/clients/go/cri-kubelet, running the
// kubelet's call sequence with concurrency, big messages, deadlines,
// cancellation and a berthd restart under it; and Debian's python3-grpcio
// (gRPC C-core) in test/clients/python/cri_calls.py, unary and
// server-streaming. Both judge berthd by the real effects: containers run,
// exit codes, processes gone, events seen.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ContainerConfig,
  ContainerEventResponse,
  ContainerEventType,
  ContainerState,
  ContainerStatusResponse,
  ExecSyncResponse,
  ImageFsInfoResponse,
  ImageStatusResponse,
  ListPodSandboxResponse,
  PodSandboxConfig,
  PodSandboxState,
  PodSandboxStatusResponse,
  PullImageResponse,
  RuntimeConfigResponse,
  StatusResponse,
  VersionResponse,
} from '../../src/api/gen/api.js';
import { ListContainers } from '../../src/api/methods.js';
import { restartDaemon, waitFor, type TestDaemon } from '../support/daemon.js';
import { podConfig } from '../support/pod-net.js';
import { startStack, type TestStack } from '../support/stack.js';
import { processesOf } from '../support/stream-env.js';
import { criPythonModules, DEBIAN_PYTHON, goClient, PY_SOURCES, run } from '../support/third-party.js';

let stack: TestStack;
let d: TestDaemon;
let dir: string;
let busybox: string;

before(async () => {
  stack = await startStack({ prefix: 'berth-third-grpc-', pull: false });
  ({ d, dir, busybox } = stack);
});

  // A client that stopped half-way leaves its pod: stop() removes it first (containers outlive berthd).
after(() => stack?.stop());

interface KubeletReport {
  steps: string[];
  responses: Record<string, unknown>;
  codes: Record<string, string>;
  messages: Record<string, string>;
  numbers: Record<string, number>;
  events: unknown[] | null;
  eventsAfterRestart: unknown[] | null;
  error?: string;
}

interface PythonReport {
  responses: Record<string, unknown>;
  codes: Record<string, string>;
  messages: Record<string, string>;
  streams: Record<string, { messages: number; ids: string[] }>;
  events: unknown[];
  ids?: { pod: string; container: string };
  error?: string;
}

/** Processes in the container whose command line is exactly `cmd`. */
async function running(containerId: string, cmd: string): Promise<number> {
  let n = 0;
  for (const pid of await processesOf(containerId)) {
    const line = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (line.split('\0').filter(Boolean).join(' ') === cmd) n++;
  }
  return n;
}

const MAIN_SCRIPT = 'trap "exit 42" TERM; while :; do sleep 1; done';

describe('gRPC-Go (Debian) as the kubelet', () => {
  let rep: KubeletReport;
  let ids: { pod: string; container: string };

  before(async () => {
    const bin = await goClient('cri-kubelet');
    const pod = podConfig(`kubelet-${process.pid}`, { logDirectory: join(dir, 'logs', 'kubelet') });
    const ctr = ContainerConfig.fromPartial({
      metadata: { name: 'main', attempt: 0 },
      // PID 1 ignores SIGTERM unless it handles it: the trap makes StopContainer's exit code visible.
      command: ['sh', '-c', MAIN_SCRIPT],
      logPath: 'main.log',
    });
    await writeFile(join(dir, 'pod.json'), JSON.stringify(PodSandboxConfig.toJSON(pod)));
    await writeFile(join(dir, 'ctr.json'), JSON.stringify(ContainerConfig.toJSON(ctr)));
    const r = await run(bin, ['-socket', d.socket, '-image', busybox, '-pod', join(dir, 'pod.json'), '-container', join(dir, 'ctr.json')], {
      killAfterMs: 240_000,
      stdin: async (w, out) => {
        await waitFor(() => out.text().includes('ready-for-restart'), 180_000, () => `client did not get to the restart: ${out.errText()}`);
        // While it waits: the deadline and cancel edges left nothing running.
        const ids0 = JSON.parse(await idsFromLog()) as { container: string };
        // The probe sees the container's processes (its main one), so "none left" below means something.
        assert.equal(await running(ids0.container, `sh -c ${MAIN_SCRIPT}`), 1);
        await waitFor(async () => (await running(ids0.container, 'sleep 600')) + (await running(ids0.container, 'sleep 601')) === 0, 15_000, () => 'exec processes of the expired/cancelled ExecSync still run');
        assert.equal(await d.stop(), 0, 'berthd stops cleanly on SIGTERM');
        stack.d = d = await restartDaemon(d); // stop() tears down the daemon now serving
        w.end('go\n');
      },
    });
    assert.ok(r.report.trim(), `no report (code ${r.code}): ${r.stderr}`);
    rep = JSON.parse(r.report) as KubeletReport;
    assert.equal(rep.error, undefined, `${rep.error} (steps: ${rep.steps.join(' → ')}) ${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    ids = rep.responses.ids as typeof ids;

    /** The ids are in the report only at the end: read them from berthd for the mid-run check. */
    async function idsFromLog(): Promise<string> {
      const { containers } = await d.client.call(ListContainers, {});
      const c = containers.find((x) => x.metadata?.name === 'main');
      return JSON.stringify({ container: c?.id ?? '' });
    }
  });

  it('start-up: Version fills all four fields; Status has RuntimeReady and NetworkReady; RuntimeConfig and ImageFsInfo answer', () => {
    const v = VersionResponse.fromJSON(rep.responses.version);
    assert.equal(v.runtimeApiVersion, 'v1');
    assert.ok(v.version && v.runtimeName === 'berth' && v.runtimeVersion, JSON.stringify(v));
    const s = StatusResponse.fromJSON(rep.responses.status);
    for (const type of ['RuntimeReady', 'NetworkReady']) {
      assert.equal(s.status?.conditions.find((c) => c.type === type)?.status, true, type);
    }
    // What the kubelet reads for user namespaces, recursive read-only mounts and Strict groups.
    const handlers = new Map(s.runtimeHandlers.map((h) => [h.name, h.features]));
    assert.ok(handlers.has('runc') && handlers.has(''), JSON.stringify(rep.responses.status));
    assert.deepEqual(handlers.get(''), handlers.get('runc'), 'the default handler listed again under ""');
    assert.equal(s.features?.supplementalGroupsPolicy, true);
    assert.equal(rep.codes.runtimeConfig, 'OK', rep.messages.runtimeConfig);
    assert.ok(RuntimeConfigResponse.fromJSON(rep.responses.runtimeConfig ?? {}).linux !== undefined);
    const fs = ImageFsInfoResponse.fromJSON(rep.responses.imageFsInfo);
    // Images and layers share the test root's device: one filesystem, no split eviction.
    assert.deepEqual(fs.imageFilesystems.map((f) => f.fsId?.mountpoint), [d.root], JSON.stringify(rep.responses.imageFsInfo));
    assert.deepEqual(fs.containerFilesystems, []);
    assert.ok(fs.imageFilesystems[0]?.usedBytes !== undefined, 'used bytes (0 is right before the first pull)');
  });

  it('the pod and its container: pulled image id = ImageStatus id; running, with an IP and an absolute log path', () => {
    const pulled = PullImageResponse.fromJSON(rep.responses.pullImage);
    const status = ImageStatusResponse.fromJSON(rep.responses.imageStatus);
    assert.equal(pulled.imageRef, status.image?.id);
    assert.deepEqual(status.image?.repoTags, [busybox]);
    const pod = PodSandboxStatusResponse.fromJSON(rep.responses.podSandboxStatus);
    assert.equal(pod.status?.state, PodSandboxState.SANDBOX_READY);
    assert.match(pod.status?.network?.ip ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    // For the evented PLEG: the pod's containers with a timestamp that says the list is complete.
    assert.ok(pod.timestamp > 0n);
    assert.deepEqual(pod.containersStatuses.map((x) => [x.id, x.state]), [[ids.container, ContainerState.CONTAINER_RUNNING]]);
    const c = ContainerStatusResponse.fromJSON(rep.responses.containerStatusRunning);
    assert.equal(c.status?.state, ContainerState.CONTAINER_RUNNING);
    assert.equal(c.status?.logPath, join(dir, 'logs', 'kubelet', 'main.log'));
  });

  it('the sync loop: 360 calls from 24 goroutines over one connection, none failed', () => {
    assert.equal(rep.numbers.pollCalls, 360);
    assert.equal(rep.numbers.pollFailures, 0, rep.messages.poll);
    assert.equal(rep.numbers.burstOK, 64, '64 verbose ContainerStatus calls in flight at once');
  });

  it('big messages: a 6 MiB ExecSync answer whole, a 3 MiB request served, 20 MiB refused with ResourceExhausted and the connection still good', () => {
    assert.equal(rep.codes.bigAnswer, 'OK', rep.messages.bigAnswer);
    assert.equal(rep.numbers.bigAnswerBytes, 6 << 20);
    assert.equal(rep.numbers.bigAnswerExit, 0);
    assert.equal(rep.codes.bigRequest, 'OK', rep.messages.bigRequest);
    assert.equal(rep.numbers.bigRequestListed ?? 0, 0);
    assert.equal(rep.codes.oversize, 'ResourceExhausted', rep.messages.oversize);
    assert.equal(rep.codes.afterOversize, 'OK');
  });

  it('an expired deadline and a cancelled call end as such (and their exec processes were gone, checked mid-run)', () => {
    assert.equal(rep.codes.deadline, 'DeadlineExceeded', rep.messages.deadline);
    assert.equal(rep.codes.cancel, 'Canceled', rep.messages.cancel);
  });

  it('berthd restarts under the connection: the open events stream ends Unavailable, the same ClientConn reconnects, the container kept running', () => {
    assert.equal(rep.codes.eventsEnd, 'Unavailable', rep.messages.eventsEnd);
    assert.equal(VersionResponse.fromJSON(rep.responses.versionAfterRestart).runtimeApiVersion, 'v1');
    assert.equal(ContainerStatusResponse.fromJSON(rep.responses.containerStatusAfterRestart).status?.state, ContainerState.CONTAINER_RUNNING);
  });

  it('GetContainerEvents: created and started before the restart, stopped and deleted after, for this container', () => {
    const types = (list: unknown[] | null): ContainerEventType[] =>
      (list ?? []).map((e) => ContainerEventResponse.fromJSON(e)).filter((e) => e.containerId === ids.container).map((e) => e.containerEventType);
    const before = types(rep.events);
    assert.ok(before.includes(ContainerEventType.CONTAINER_CREATED_EVENT), JSON.stringify(before));
    assert.ok(before.includes(ContainerEventType.CONTAINER_STARTED_EVENT), JSON.stringify(before));
    const later = types(rep.eventsAfterRestart);
    assert.ok(later.includes(ContainerEventType.CONTAINER_STOPPED_EVENT), JSON.stringify(later));
    assert.ok(later.includes(ContainerEventType.CONTAINER_DELETED_EVENT), JSON.stringify(later));
    assert.equal(rep.codes.events2End, 'Canceled');
    // Every event carries the pod's status and its containers' statuses (the container's own, until deleted).
    const own = (list: unknown[] | null) => (list ?? []).map((e) => ContainerEventResponse.fromJSON(e)).filter((e) => e.containerId === ids.container);
    const stateAfter: Partial<Record<ContainerEventType, ContainerState>> = {
      [ContainerEventType.CONTAINER_CREATED_EVENT]: ContainerState.CONTAINER_CREATED,
      [ContainerEventType.CONTAINER_STARTED_EVENT]: ContainerState.CONTAINER_RUNNING,
      [ContainerEventType.CONTAINER_STOPPED_EVENT]: ContainerState.CONTAINER_EXITED,
    };
    for (const e of [...own(rep.events), ...own(rep.eventsAfterRestart)]) {
      assert.equal(e.podSandboxStatus?.id, ids.pod, `event ${e.containerEventType}`);
      assert.ok(e.createdAt > 0n);
      const mine = e.containersStatuses.find((x) => x.id === ids.container);
      assert.equal(mine?.state, stateAfter[e.containerEventType], `event ${e.containerEventType}: the container's own status`);
    }
  });

  it('teardown: StopContainer delivers TERM (exit 42 from the trap); the pod is gone and nothing of the container runs', async () => {
    const c = ContainerStatusResponse.fromJSON(rep.responses.containerStatusStopped);
    assert.equal(c.status?.state, ContainerState.CONTAINER_EXITED);
    assert.equal(c.status?.exitCode, 42);
    assert.deepEqual(ListPodSandboxResponse.fromJSON(rep.responses.podsAfterRemove).items, []);
    assert.deepEqual((await d.client.call(ListContainers, {})).containers, []);
    assert.deepEqual(await processesOf(ids.container), []);
  });
});

describe('python3-grpcio (Debian, gRPC C-core): unary and server-streaming calls', () => {
  let rep: PythonReport;

  before(async () => {
    const modules = await criPythonModules();
    const pod = podConfig(`python-${process.pid}`, { logDirectory: join(dir, 'logs', 'python') });
    const ctr = ContainerConfig.fromPartial({ metadata: { name: 'py', attempt: 0 }, command: ['sh', '-c', 'trap "exit 9" TERM; while :; do sleep 1; done'], logPath: 'py.log' });
    await writeFile(join(dir, 'py-pod.json'), JSON.stringify(PodSandboxConfig.toJSON(pod)));
    await writeFile(join(dir, 'py-ctr.json'), JSON.stringify(ContainerConfig.toJSON(ctr)));
    const r = await run(DEBIAN_PYTHON, [join(PY_SOURCES, 'cri_calls.py'), modules, d.socket, busybox, join(dir, 'py-pod.json'), join(dir, 'py-ctr.json')], { killAfterMs: 180_000 });
    assert.ok(r.report.trim(), `no report (code ${r.code}): ${r.stderr}`);
    rep = JSON.parse(r.report) as PythonReport;
    assert.equal(rep.error, undefined, `${rep.error}: ${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
  });

  it('the pod\'s life: running container, ExecSync output and exit code, TERM on stop, idempotent removal', () => {
    assert.equal(VersionResponse.fromJSON(rep.responses.version).runtimeApiVersion, 'v1');
    assert.equal(ContainerStatusResponse.fromJSON(rep.responses.containerStatus).status?.state, ContainerState.CONTAINER_RUNNING);
    assert.equal(PodSandboxStatusResponse.fromJSON(rep.responses.podSandboxStatus).status?.state, PodSandboxState.SANDBOX_READY);
    const ex = ExecSyncResponse.fromJSON(rep.responses.execSync);
    assert.equal(Buffer.from(ex.stdout).toString(), 'out\n');
    assert.equal(Buffer.from(ex.stderr).toString(), 'err\n');
    assert.equal(ex.exitCode, 3);
    const stopped = ContainerStatusResponse.fromJSON(rep.responses.containerStatusStopped).status;
    assert.equal(stopped?.state, ContainerState.CONTAINER_EXITED);
    assert.equal(stopped?.exitCode, 9);
    assert.equal(rep.codes.removeAgain, 'OK');
    assert.equal(ListPodSandboxResponse.fromJSON(rep.responses.podsAfter).items.find((p) => p.id === rep.ids?.pod), undefined);
  });

  it('server streaming: StreamContainers and StreamPodSandboxes list the running pod; GetContainerEvents carries the lifecycle', () => {
    const ids = rep.ids as { pod: string; container: string };
    assert.equal(rep.codes.StreamContainers, 'OK', rep.messages.StreamContainers);
    assert.ok(rep.streams.StreamContainers?.ids.includes(ids.container), JSON.stringify(rep.streams));
    assert.equal(rep.codes.StreamPodSandboxes, 'OK', rep.messages.StreamPodSandboxes);
    assert.ok(rep.streams.StreamPodSandboxes?.ids.includes(ids.pod), JSON.stringify(rep.streams));
    const seen = rep.events.map((e) => ContainerEventResponse.fromJSON(e)).filter((e) => e.containerId === ids.container).map((e) => e.containerEventType);
    assert.deepEqual(
      [...new Set(seen)],
      [ContainerEventType.CONTAINER_CREATED_EVENT, ContainerEventType.CONTAINER_STARTED_EVENT, ContainerEventType.CONTAINER_STOPPED_EVENT, ContainerEventType.CONTAINER_DELETED_EVENT],
    );
    assert.equal(rep.codes.eventsEnd, 'CANCELLED');
    for (const e of rep.events.map((x) => ContainerEventResponse.fromJSON(x)).filter((x) => x.containerId === ids.container)) {
      assert.equal(e.podSandboxStatus?.id, ids.pod, 'events carry the pod status over C-core too');
    }
    const pod = PodSandboxStatusResponse.fromJSON(rep.responses.podSandboxStatus);
    assert.deepEqual(pod.containersStatuses.map((x) => x.id), [ids.container]);
  });

  it('bad requests get precise codes naming what is wrong', () => {
    assert.equal(rep.codes.missingContainer, 'NOT_FOUND');
    assert.match(rep.messages.missingContainer ?? '', /no-such-container/);
    assert.equal(rep.codes.createInMissingPod, 'NOT_FOUND');
    assert.match(rep.messages.createInMissingPod ?? '', /no-such-pod/);
    assert.equal(rep.codes.runWithoutMetadata, 'INVALID_ARGUMENT');
    assert.match(rep.messages.runWithoutMetadata ?? '', /metadata/);
    assert.match(rep.codes.unknownHandler ?? '', /^(INVALID_ARGUMENT|NOT_FOUND)$/);
    assert.match(rep.messages.unknownHandler ?? '', /no-such-handler/);
  });
});
