// replayChanges against a real broker: one tenant's changes between two points (time or LSN), in
// topic order, duplicates dropped, other tenants and later records absent, same bytes every time,
// and no consumer group left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import type { ChangeEvent } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { uniqueName } from '@realtime/testing';
import { createAvroProducer, createKafka, ensureTopics, partitionOf, topicNames, type AvroProducer } from '@realtime/kafka';
import { changeLine, formatMicros, replayChanges, type ReplayOptions } from './index.ts';

const infra = inject('infra');
const log = createLogger({ service: 'replay-int-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'replay-int-test', logger: log });
const PARTITIONS = 8;
const TENANT = 'acme';
// one tenant on the same partition as acme (so the key filter matters), one elsewhere
const names = Array.from({ length: 100 }, (_, i) => `other-${i}`);
const NEIGHBOUR = names.find((n) => partitionOf(n, PARTITIONS) === partitionOf(TENANT, PARTITIONS))!;
const STRANGER = names.find((n) => partitionOf(n, PARTITIONS) !== partitionOf(TENANT, PARTITIONS))!;

// whole seconds, a little in the past: record timestamps (send time) are never before commits
const BASE = (Math.floor(Date.now() / 1000) - 60) * 1_000_000;
const at = (second: number) => BASE + second * 1_000_000;

function change(tenant: string, lsn: number, seq: number, second: number, table = 'todos', schema = 'public'): ChangeEvent {
  return {
    ...sampleRecords.ChangeEvent, tenant, schema, table, type: 'INSERT', seq, xid: lsn,
    commit_lsn: `0/${lsn.toString(16).toUpperCase()}`, commit_lsn_num: lsn, commit_timestamp: at(second),
    record_json: `{"id":${lsn * 10 + seq},"big":9007199254740993}`, old_record_json: null,
  };
}

let topic: string;
let producer: AvroProducer;
const send = (events: ChangeEvent[]) => producer.send(topic, 'ChangeEvent', events.map((value) => ({ key: value.tenant, value })));

async function replay(options: Omit<ReplayOptions, 'topic' | 'tenant' | 'logger'>, tenant = TENANT): Promise<string[]> {
  const lines: string[] = [];
  for await (const e of await replayChanges(kafka, { topic, tenant, logger: log, ...options })) lines.push(changeLine(e));
  return lines;
}
const ids = (lines: string[]) => lines.map((l) => `${JSON.parse(l).commit_lsn}#${JSON.parse(l).seq}`);

async function replayGroups(): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${topic}-replay-`));
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  const prefix = `${uniqueName('rp')}.`;
  await ensureTopics(kafka, prefix, { cdc: { partitions: PARTITIONS } });
  topic = topicNames(prefix).cdc;
  producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
  await send([
    change(TENANT, 0x100, 0, 0), change(TENANT, 0x100, 1, 0),
    change(NEIGHBOUR, 0x150, 0, 1), change(STRANGER, 0x160, 0, 1),
    change(TENANT, 0x200, 0, 2),
    change(TENANT, 0x300, 0, 3, 'log', 'audit'),
    change(TENANT, 0x400, 0, 4), change(NEIGHBOUR, 0x400, 0, 4), change(TENANT, 0x400, 1, 4, 'log', 'audit'),
  ]);
  // a restarted ingest-cdc re-sends from its confirmed position
  await send([change(TENANT, 0x300, 0, 3, 'log', 'audit'), change(TENANT, 0x400, 0, 4), change(TENANT, 0x400, 1, 4, 'log', 'audit')]);
  await send([change(TENANT, 0x500, 0, 5)]);
});

afterAll(async () => {
  await producer?.disconnect();
});

describe('replayChanges', () => {
  const middle = ['0/200#0', '0/300#0', '0/400#0', '0/400#1'];

  it('replays a time range: inclusive, deduplicated, only the tenant, the same bytes twice', async () => {
    const range = { from: new Date(at(2) / 1000).toISOString(), to: formatMicros(at(4)) };
    const first = await replay(range);
    expect(ids(first)).toEqual(middle);
    expect(await replay(range)).toEqual(first);
    expect(first.join('')).not.toMatch(/other-/);
    expect(JSON.parse(first[0]!)).toMatchObject({ tenant: TENANT, commit_timestamp: formatMicros(at(2)), record: { id: 0x200 * 10 } });
    expect(first[0]).toContain('"big":9007199254740993');
  });

  it('replays an LSN range to the same lines, and the same bytes twice', async () => {
    const byTime = await replay({ from: formatMicros(at(2)), to: formatMicros(at(4)) });
    const first = await replay({ from: '0/200', to: '0/400' });
    expect(first).toEqual(byTime);
    expect(await replay({ from: '0/200', to: '0/400' })).toEqual(first);
    expect(ids(await replay({ from: '0/201' }))).toEqual(['0/300#0', '0/400#0', '0/400#1', '0/500#0']);
  });

  it('filters by table, "table" meaning public', async () => {
    expect(ids(await replay({ from: 0, table: 'audit.log' }))).toEqual(['0/300#0', '0/400#1']);
    expect(ids(await replay({ from: 0, table: 'todos' }))).toEqual(['0/100#0', '0/100#1', '0/200#0', '0/400#0', '0/500#0']);
  });

  it('replays other tenants on their own, whichever partition they are on', async () => {
    expect(ids(await replay({ from: 0 }, NEIGHBOUR))).toEqual(['0/150#0', '0/400#0']);
    expect(ids(await replay({ from: 0 }, STRANGER))).toEqual(['0/160#0']);
    expect(await replay({ from: 0 }, 'nobody')).toEqual([]);
  });

  it('stops at the end offsets taken at its start', async () => {
    const open = await replayChanges(kafka, { topic, tenant: TENANT, logger: log, from: '0/500' });
    await send([change(TENANT, 0x600, 0, 6)]);
    const seen: string[] = [];
    for await (const e of open) seen.push(changeLine(e));
    expect(ids(seen)).toEqual(['0/500#0']);
    expect(ids(await replay({ from: '0/500' }))).toEqual(['0/500#0', '0/600#0']);
  });

  it('yields nothing for a time after the last record, without reading', async () => {
    expect(await replay({ from: Date.now() + 3_600_000 })).toEqual([]);
  });

  it('leaves no consumer group behind, also when the caller stops early', async () => {
    const open = await replayChanges(kafka, { topic, tenant: TENANT, logger: log, from: 0 });
    for await (const _ of open) break;
    expect(await replayGroups()).toEqual([]);
  });

  it('rejects a malformed range', async () => {
    await expect(replayChanges(kafka, { topic, tenant: TENANT, logger: log, from: 'soon' })).rejects.toMatchObject({ code: 'UnprocessableEntity' });
  });
});
