// A row too large for one Kafka record: the tenant allows 8 MB records (poll_max_record_bytes) and
// a 2 MB text column is committed. Before, its ChangeEvent was refused by Kafka (max.message.bytes
// 1 MiB), the publish failed, the slot replayed the same change forever and nothing after it ever
// arrived. Now it arrives as the 413 event (small fields and the primary key, errors set) and the
// rows committed after it arrive too.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { waitFor } from '@realtime/testing';
import { waitForTenant, type Stack } from '@realtime/testing/stack';
import { createSupabaseDatabase } from '@realtime/testing/supabase-db';
import { adminFetch, client, closeClients, startE2eStack, tenantBody, token } from './support/fixture.ts';
import { asChange, changesReady, tenantDb, type Change } from './support/changes.ts';
import { waitForSlotStreaming } from './support/cdc.ts';

let stack: Stack;
let db: pg.Client;
let tenant: string;
let key: string;

beforeAll(async () => {
  stack = await startE2eStack({ gateways: 1, ingestCdc: true });
  tenant = `t${randomBytes(5).toString('hex')}`;
  const secret = randomBytes(24).toString('hex');
  const dbUrl = await createSupabaseDatabase(inject('infra').pgUrl, `${tenant}_db`);
  const body = tenantBody(tenant, secret, dbUrl);
  Object.assign(body.extensions[0]!.settings, { poll_max_record_bytes: 8_000_000 });
  const res = await adminFetch(stack, '/api/tenants', { method: 'POST', body: { tenant: body } });
  expect(res.status).toBe(201);
  await waitForTenant(stack, tenant);
  key = await token(secret);
  db = await tenantDb(dbUrl);
  await db.query(`CREATE TABLE docs (id bigint PRIMARY KEY, title text, body text)`);
  await db.query(`ALTER PUBLICATION supabase_realtime ADD TABLE docs`);
  await waitForSlotStreaming(db);
}, 90_000);
afterAll(async () => {
  await closeClients();
  await db?.end();
  await stack?.stop();
});

describe('a WAL change larger than Kafka takes', () => {
  it('becomes the 413 event and the rows after it still arrive', async () => {
    const got: Change[] = [];
    const channel = client(stack.gateways[0]!.port, tenant, key).channel('docs')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'docs' }, (p) => void got.push(asChange(p)));
    await changesReady(channel);

    await db.query(`INSERT INTO docs VALUES (1, 'before', 'small')`);
    await db.query(`INSERT INTO docs VALUES (2, 'huge', repeat('x', 2000000))`);
    await db.query(`INSERT INTO docs VALUES (3, 'after', 'small')`);
    await db.query(`UPDATE docs SET title = 'after too' WHERE id = 3`);
    await waitFor(() => expect(got).toHaveLength(4), { timeout: 30_000 });

    expect(got.map((c) => c.new.id)).toEqual([1, 2, 3, 3]);
    expect(got[1]).toMatchObject({ eventType: 'INSERT', errors: ['Error 413: Payload Too Large'] });
    expect(got[1]!.new).toEqual({ id: 2, title: 'huge' });
    expect(got[0]!.errors).toBeNull();
    expect(got[3]).toMatchObject({ eventType: 'UPDATE', errors: null, new: { id: 3, title: 'after too', body: 'small' } });
    // and the slot moved past the big change: nothing of it is left to replay
    await waitFor(async () => {
      const { rows } = await db.query(`SELECT confirmed_flush_lsn >= pg_current_wal_insert_lsn() - 1000000 AS caught_up FROM pg_replication_slots WHERE slot_type = 'logical' AND database = current_database()`);
      expect(rows.map((r: { caught_up: boolean }) => r.caught_up)).toEqual([true]);
    }, { timeout: 20_000 });
  }, 60_000);
});
