// The CRI log reader behind `berthctl logs`: parsing, joining P pieces,
// --tail/--since/--timestamps/--limit-bytes, and following a file that grows,
// is rotated (renamed + recreated) and whose container then stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatRfc3339Nano, LineJoiner, parseCriLine, parseRfc3339 } from '../../src/cli/common/cri-log.js';
import { readLogs, type LogReadOptions } from '../../src/cli/common/log-reader.js';
import { parseSince } from '../../src/cli/common/since.js';

const T0 = '2024-05-06T07:08:09.123456789Z';
const ns = (s: string): bigint => parseRfc3339(s)!.ns;

test('parses CRI lines; rejects what is not one', () => {
  const e = parseCriLine(Buffer.from(`${T0} stdout F hello world`))!;
  assert.equal(e.stream, 'stdout');
  assert.equal(e.partial, false);
  assert.equal(e.content.toString(), 'hello world');
  assert.equal(e.timeNs, 1714979289123456789n);
  assert.equal(parseCriLine(Buffer.from(`${T0} stderr P  two  spaces `))!.content.toString(), ' two  spaces ');
  assert.equal(parseCriLine(Buffer.from(`${T0} stdout F`))!.content.length, 0, 'empty F line (conmon closes a partial line so)');
  assert.equal(parseCriLine(Buffer.from(`${T0} stdout F `))!.content.length, 0);
  assert.equal(parseCriLine(Buffer.from(`${T0} stdout P:x yz`))!.partial, true, 'extra tag fields ignored');
  for (const bad of ['', 'garbage', `${T0} stdin F x`, `${T0} stdout X x`, `notatime stdout F x`]) assert.equal(parseCriLine(Buffer.from(bad)), undefined, bad);
});

test('RFC 3339: any fraction, offsets; formatting as Go RFC3339Nano', () => {
  assert.equal(ns('2024-05-06T07:08:09Z'), 1714979289000000000n);
  assert.equal(ns('2024-05-06T07:08:09.5Z'), 1714979289500000000n);
  assert.equal(ns('2024-05-06T09:08:09.5+02:00'), 1714979289500000000n);
  const p = parseRfc3339('2024-05-06T09:08:09.120000000+02:00')!;
  assert.equal(formatRfc3339Nano(p.ns, p.offsetMin), '2024-05-06T09:08:09.12+02:00');
  assert.equal(formatRfc3339Nano(ns(T0)), T0);
  assert.equal(formatRfc3339Nano(ns('2024-05-06T07:08:09.000Z')), '2024-05-06T07:08:09Z');
});

test('P pieces join per stream; an open line is flushed without newline', () => {
  const j = new LineJoiner();
  const push = (s: string) => j.push(parseCriLine(Buffer.from(s))!);
  assert.equal(push(`${T0} stdout P ab`), undefined);
  assert.equal(push(`${T0} stderr P x`), undefined);
  const l = push('2024-05-06T07:08:10Z stdout F cd')!;
  assert.equal(l.content.toString(), 'abcd');
  assert.equal(l.timeNs, ns(T0), 'a joined line keeps the time it started');
  assert.equal(push(`${T0} stderr F y`)!.content.toString(), 'xy');
  push(`${T0} stdout P tail`);
  assert.deepEqual(j.flush().map((x) => [x.stream, x.content.toString(), x.newline]), [['stdout', 'tail', false]]);
});

test('--since: durations back from now (whole seconds), RFC 3339 forms, Unix seconds', () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0, 700);
  assert.equal(parseSince('10m', now), BigInt(Date.UTC(2024, 0, 1, 11, 50, 0)) * 1_000_000n);
  assert.equal(parseSince('1h30m', now), BigInt(Date.UTC(2024, 0, 1, 10, 30, 0)) * 1_000_000n);
  assert.equal(parseSince('2024-01-02T03:04:05Z'), BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1_000_000n);
  assert.equal(parseSince('2024-01-02T03:04:05.25+01:00'), BigInt(Date.UTC(2024, 0, 2, 2, 4, 5, 250)) * 1_000_000n);
  assert.equal(parseSince('2024-01-02'), BigInt(new Date(2024, 0, 2).getTime()) * 1_000_000n, 'no zone: local time');
  assert.equal(parseSince('1700000000.5'), 1700000000500000000n);
  assert.throws(() => parseSince('yesterday'), /failed to parse --since/);
});

async function logFile(lines: string[]): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-log-'));
  const path = join(dir, '0.log');
  await writeFile(path, lines.map((l) => `${l}\n`).join(''));
  return { dir, path };
}

async function collect(o: Omit<LogReadOptions, 'sink'>): Promise<{ out: string; err: string; order: string[] }> {
  let out = '';
  let err = '';
  const order: string[] = [];
  await readLogs({
    ...o,
    sink: {
      write: (s, d) => {
        if (s === 'stdout') out += d.toString();
        else err += d.toString();
        order.push(`${s}:${d.toString()}`);
      },
    },
  });
  return { out, err, order };
}

const SAMPLE = [
  '2024-05-06T07:00:00Z stdout F one',
  '2024-05-06T07:00:01Z stderr F oops',
  '2024-05-06T07:00:02Z stdout P tw',
  '2024-05-06T07:00:03Z stdout F o',
  'not a cri line',
  '2024-05-06T07:00:04Z stdout F three',
  '2024-05-06T07:00:05Z stdout P no newline at the end',
];

test('reads a whole log: streams separated, pieces joined, junk skipped, open line flushed', async () => {
  const { dir, path } = await logFile(SAMPLE);
  try {
    const r = await collect({ path, follow: false, timestamps: false });
    assert.equal(r.out, 'one\ntwo\nthree\nno newline at the end');
    assert.equal(r.err, 'oops\n');
    const ts = await collect({ path, follow: false, timestamps: true, tail: 2 });
    assert.equal(ts.out, '2024-05-06T07:00:02Z two\n2024-05-06T07:00:04Z three\n2024-05-06T07:00:05Z no newline at the end');
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('--tail counts complete lines from the end; --since and --limit-bytes', async () => {
  const { dir, path } = await logFile(SAMPLE.slice(0, 6));
  try {
    assert.equal((await collect({ path, follow: false, timestamps: false, tail: 1 })).out, 'three\n');
    assert.deepEqual((await collect({ path, follow: false, timestamps: false, tail: 3 })).order, ['stderr:oops\n', 'stdout:two\n', 'stdout:three\n']);
    assert.equal((await collect({ path, follow: false, timestamps: false, tail: 0 })).out, '');
    assert.equal((await collect({ path, follow: false, timestamps: false, tail: 99 })).out, 'one\ntwo\nthree\n');
    assert.equal((await collect({ path, follow: false, timestamps: false, sinceNs: ns('2024-05-06T07:00:01Z') })).out, 'two\nthree\n');
    assert.deepEqual((await collect({ path, follow: false, timestamps: false, limitBytes: 6 })).order, ['stdout:one\n', 'stderr:oo'], 'both streams count');
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('--tail over a file bigger than one read block', async () => {
  const lines = Array.from({ length: 5000 }, (_v, i) => `2024-05-06T07:00:00Z stdout F line ${i} ${'x'.repeat(40)}`);
  const { dir, path } = await logFile(lines);
  try {
    const r = await collect({ path, follow: false, timestamps: false, tail: 3000 });
    const got = r.out.trimEnd().split('\n');
    assert.equal(got.length, 3000);
    assert.match(got[0]!, /^line 2000 /);
    assert.match(got[2999]!, /^line 4999 /);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('follow: new lines, a rotation (rename + new file), then the container stops', async () => {
  const { dir, path } = await logFile(['2024-05-06T07:00:00Z stdout F first']);
  let running = true;
  let out = '';
  const seen = (s: string) => new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const check = (): void => {
      if (out.includes(s)) resolve();
      else if (Date.now() > deadline) reject(new Error(`never saw ${JSON.stringify(s)} in ${JSON.stringify(out)}`));
      else setTimeout(check, 10);
    };
    check();
  });
  try {
    const done = readLogs({
      path,
      follow: true,
      timestamps: false,
      isRunning: async () => running,
      stateCheckMs: 20,
      pollMs: 20,
      sink: { write: (_s, d) => void (out += d.toString()) },
    });
    await seen('first\n');
    // A line written in two parts is only read once complete.
    await appendFile(path, '2024-05-06T07:00:01Z stdout F sec');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(out, 'first\n');
    await appendFile(path, 'ond\n');
    await seen('second\n');
    // Rotation: the old file gets its last line after the rename, then a new file appears.
    await rename(path, `${path}.20240506-070002`);
    await appendFile(`${path}.20240506-070002`, '2024-05-06T07:00:02Z stdout F third\n');
    await writeFile(path, '2024-05-06T07:00:03Z stdout F fourth\n');
    await seen('fourth\n');
    await appendFile(path, '2024-05-06T07:00:04Z stdout F last words\n');
    running = false;
    await done;
    assert.equal(out, 'first\nsecond\nthird\nfourth\nlast words\n');
  } finally {
    running = false;
    await rm(dir, { recursive: true });
  }
});

test('a missing log file is one clear error', async () => {
  await assert.rejects(readLogs({ path: '/nonexistent/x.log', follow: false, timestamps: false, sink: { write: () => undefined } }), /log file "\/nonexistent\/x.log" does not exist/);
});
