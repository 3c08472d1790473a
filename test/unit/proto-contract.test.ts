// proto/api.proto is the wire contract: its fields must equal the published
// CRI v1.36 field table and its services the published RPC list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { methods } from '../../src/api/method-table.js';
import { fieldTable } from '../support/proto-fields.js';

const REPO = resolve(import.meta.dirname, '../..');
// The published contract, carried by the project (a fresh clone needs nothing beside it).
const CONTRACT = join(REPO, 'test/fixtures/cri-api');
const PROTO = join(REPO, 'proto/api.proto');

test('fields, numbers, types and enum values match cri-v1.36.fields.tsv', () => {
  const ours = fieldTable(readFileSync(PROTO, 'utf8'));
  const published = readFileSync(join(CONTRACT, 'cri-v1.36.fields.tsv'), 'utf8');
  assert.equal(ours, published);
});

test('the field table tells a renumbered field, a changed type and a missing enum value apart', () => {
  const proto = readFileSync(PROTO, 'utf8');
  const table = fieldTable(proto);
  for (const [from, to] of [
    ['string container_id = 1;', 'string container_id = 9;'],
    ['bool stdin = 2;', 'int32 stdin = 2;'],
    ['CONTAINER_EXITED = 2;', ''],
  ] as const) {
    assert.ok(proto.includes(from), from);
    assert.notEqual(fieldTable(proto.replace(from, to)), table, `${from} -> ${to || '(nothing)'}`);
  }
  assert.match(table, /^field\tAttachRequest\t1\tcontainer_id\tstring\t$/m);
  assert.match(table, /^enum\tContainerState\t2\tCONTAINER_EXITED\t\t$/m);
});

function publishedRpcs(): string[] {
  const out: string[] = [];
  let service = '';
  for (const line of readFileSync(join(CONTRACT, 'cri-v1.36.rpcs.txt'), 'utf8').split('\n')) {
    const s = /^service runtime\.v1\.(\w+)/.exec(line);
    if (s) service = s[1] as string;
    const r = /^rpc (\w+)\((\w+)\) returns \((stream )?(\w+)\)/.exec(line);
    if (r) out.push(`${service}.${r[1]}(${r[2]}) -> ${r[3] ?? ''}${r[4]}`);
  }
  return out;
}

test('services and RPCs in the proto match cri-v1.36.rpcs.txt', () => {
  const text = readFileSync(PROTO, 'utf8');
  assert.match(text, /^syntax = "proto3";$/m);
  assert.match(text, /^package runtime\.v1;$/m);
  const ours: string[] = [];
  for (const svc of text.matchAll(/^service (\w+) \{\n([\s\S]*?)\n\}/gm)) {
    for (const r of (svc[2] as string).matchAll(/rpc (\w+)\((\w+)\) returns \((stream )?(\w+)\)/g)) {
      ours.push(`${svc[1]}.${r[1]}(${r[2]}) -> ${r[3] ?? ''}${r[4]}`);
    }
  }
  assert.deepEqual(ours, publishedRpcs());
});

test('the method table serves exactly the published RPCs, with the right paths, plus Berth\'s own service', () => {
  const cri = Object.values(methods).filter((m) => m.service !== 'Pulls');
  const published = publishedRpcs().map((r) => r.split('(')[0]);
  assert.deepEqual(
    cri.map((m) => `${m.service}.${m.name}`),
    published,
  );
  for (const m of cri) {
    assert.equal(m.path, `/runtime.v1.${m.service}/${m.name}`);
    assert.equal(m.serverStream, m.name.startsWith('Stream') || m.name === 'GetContainerEvents');
  }
  // Not CRI: its own package, so no CRI client can call it by mistake.
  const own = Object.values(methods).filter((m) => m.service === 'Pulls');
  assert.deepEqual(own.map((m) => m.path), ['/berth.v1.Pulls/WatchPull']);
});

test('int64 timestamps survive as bigint through encode/decode', () => {
  const ns = 1_763_000_000_123_456_789n;
  const c = methods.ContainerStatus.response.fromPartial({ status: { createdAt: ns, exitCode: -1 } });
  const back = methods.ContainerStatus.response.decode(methods.ContainerStatus.response.encode(c).finish());
  assert.equal(back.status?.createdAt, ns);
  assert.equal(back.status?.exitCode, -1);
});
