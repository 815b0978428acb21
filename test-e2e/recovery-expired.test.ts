// Recovery's `expired` end to end (docs/PROTOCOL.md §11): retention deletes the oldest records of a
// partition; we do what it does with the Kafka admin's deleteRecords on the tenant's partitions of
// realtime.cdc and realtime.broadcast. A client that rejoins with a position before the deleted range,
// or a `since` before it, gets `expired` with nothing recovered, and live delivery goes on from the seam.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@realtime/log';
import { createKafka, topicNames } from '@realtime/kafka';
import { uniqueName, waitFor } from '@realtime/testing';
import { token, useTenantStack } from './support/fixture.ts';
import { tenantDb } from './support/changes.ts';
import { createNotes, parsePosition, recoveringClient, STREAMS, type RecoveringClient, type StreamKey } from './support/recovery.ts';

const t = useTenantStack({ gateways: 1, ingestCdc: true, tenant: { max_events_per_second: 100_000, max_joins_per_second: 10_000 } });
const ROOM = 'room';
const VAULT = 'vault-1';
const alice = randomUUID();
let db: pg.Client;
let aliceKey: string;
let serviceKey: string;
let witness: RecoveringClient;
const sent: Record<StreamKey, number[]> = { 'room/changes': [], 'room/broadcast': [], 'vault/broadcast': [] };
let next = 1;

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await createNotes(db, { rls: false, grant: true, vaults: true });
  aliceKey = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: alice });
  serviceKey = await token(t.tenant.jwtSecret, { role: 'service_role' });
  witness = await client({});
  return async () => void (await db?.end());
}, 90_000);

const client = (start: Partial<Record<StreamKey, { position?: unknown; since?: unknown }>>) =>
  recoveringClient({ port: t.port(0), tenant: t.tenant.externalId, key: aliceKey, room: ROOM, vault: VAULT, table: 'notes', start });

/** `count` rows and `count` broadcasts to each channel; then waits until the witness has them all (they are in Kafka). */
async function write(count: number): Promise<void> {
  const ns = Array.from({ length: count }, () => next++);
  await db.query(`INSERT INTO notes (id, owner, body) SELECT g, $1::uuid, 'note' FROM unnest($2::bigint[]) g`, [alice, ns]);
  const messages = ns.flatMap((n) => [{ topic: ROOM, event: 'msg', payload: { n } }, { topic: VAULT, event: 'msg', payload: { n }, private: true }]);
  const res = await fetch(`http://${t.tenant.externalId}.localhost:${t.port(0)}/api/broadcast`, {
    method: 'POST', headers: { authorization: `Bearer ${serviceKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ messages }),
  });
  expect(res.status).toBe(202);
  for (const k of STREAMS) sent[k].push(...ns);
  await waitFor(() => STREAMS.forEach((k) => expect(witness.data(k).map((e) => e.n)).toEqual(sent[k])), { timeout: 30_000 });
}

/** What retention does: every record of the stream's partition before its latest one is deleted. */
async function expireAllButLast(k: StreamKey): Promise<void> {
  const [partition, offset] = parsePosition(witness.data(k).at(-1)!.position);
  const names = topicNames(t.stack.topicPrefix);
  const kafka = createKafka({ brokers: inject('infra').kafkaBrokers, clientId: uniqueName('retention'), logger: createLogger({ service: 'retention', level: 'error' }) });
  const admin = kafka.admin();
  await admin.connect();
  const topic = k === 'room/changes' ? names.cdc : names.broadcast;
  try {
    await admin.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords needs the leaders known
    await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset: String(offset) }] });
  } finally {
    await admin.disconnect();
  }
}

describe('recovery after retention deleted records', () => {
  it('answers expired for a position or a since before the deleted range, recovers nothing, and serves live from the seam', async () => {
    const since = Date.now() - 1000;
    await write(3);
    const old = Object.fromEntries(STREAMS.map((k) => [k, witness.data(k)[0]!.position])) as Record<StreamKey, string>;
    await write(3);
    for (const k of STREAMS) await expireAllButLast(k);

    const byPosition = await client(Object.fromEntries(STREAMS.map((k) => [k, { position: old[k] }])));
    const bySince = await client(Object.fromEntries(STREAMS.map((k) => [k, { since }])));
    for (const c of [byPosition, bySince]) {
      await waitFor(() => STREAMS.forEach((k) => expect(c.results(k)).toHaveLength(1)), { timeout: 20_000 });
      for (const k of STREAMS) {
        expect(c.results(k)[0], k).toMatchObject({ status: 'error', result: 'expired', recovered: 0 });
        expect(c.data(k), k).toEqual([]); // nothing recovered: all or nothing
      }
    }
    const from = sent['room/changes'].length;
    await write(2);
    for (const c of [byPosition, bySince]) {
      await waitFor(() => STREAMS.forEach((k) => expect(c.data(k).map((e) => e.n)).toEqual(sent[k].slice(from))), { timeout: 20_000 });
    }
  }, 90_000);
});
