// Shared by the CDC durability scenarios: a tenant table in the publication, rows committed in
// batches, and an audit reader of realtime.cdc that drops duplicates as consumers do (lsn + seq).
import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Stack } from '@realtime/testing/stack';
import { createTenant, startE2eStack, type TenantInfo } from './fixture.ts';
import { createLogger } from '@realtime/log';
import { createKafka, followTopic, topicNames } from '@realtime/kafka';
import type { ChangeEvent } from '@realtime/schemas';
import { uniqueName, waitFor } from '@realtime/testing';

export async function prepareItemsTable(db: pg.Client): Promise<void> {
  await db.query('SET synchronous_commit = on');
  await db.query('CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, v text)');
  // tenant-admin's migrations create both publications (before its 201; a 202 means they are still
  // pending); creating them here too would race it on the unique name.
  await waitFor(async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM pg_publication WHERE pubname IN ('supabase_realtime', 'supabase_realtime_messages_publication')`);
    expect(rows[0].n).toBe(2);
  }, { timeout: 30_000 });
  await db.query('ALTER PUBLICATION supabase_realtime ADD TABLE items');
}

export async function waitForSlotStreaming(db: pg.Client): Promise<void> {
  await waitFor(async () => expect((await db.query(`SELECT 1 FROM pg_replication_slots WHERE active AND slot_name LIKE 'supabase_realtime_replication_slot%'`)).rowCount).toBe(1), { timeout: 30_000 });
}

/** Inserts ids [0, rows) in transactions of `perTxn`; calls `midway` once, half-way through. */
export async function insertRows(db: pg.Client, rows: number, perTxn: number, midway: () => Promise<void>): Promise<void> {
  let done = false;
  for (let i = 0; i < rows; i += perTxn) {
    await db.query(`INSERT INTO items SELECT x, 'row ' || x FROM generate_series($1::int, $2::int) x`, [i, i + perTxn - 1]);
    if (!done && i >= rows / 2) {
      done = true;
      await midway();
    }
  }
}

export async function auditReader(brokers: string[], topicPrefix: string, tenant: string) {
  const log = createLogger({ service: 'audit', level: 'error' });
  const kafka = createKafka({ brokers, clientId: uniqueName('audit'), logger: log });
  const seen: ChangeEvent[] = [];
  const reader = await followTopic<ChangeEvent>(kafka, {
    topic: topicNames(topicPrefix).cdc, schema: 'ChangeEvent', groupId: uniqueName('audit'), fromBeginning: true, logger: log,
    eachMessage: (_k, v) => void (v && v.tenant === tenant && seen.push(v)),
  });
  const unique = () => [...new Map(seen.map((e) => [`${e.commit_lsn_num}:${e.seq}`, e])).values()];
  return {
    stop: () => reader.stop(),
    /** Every id in [0, rows) exactly once after dedup, in commit order. */
    async expectAllRows(rows: number, timeout = 90_000) {
      await waitFor(() => expect(unique().length).toBe(rows), { timeout, interval: 250 });
      const ids = unique().map((e) => (JSON.parse(e.record_json!) as { id: number }).id);
      expect(ids).toEqual(Array.from({ length: rows }, (_, i) => i));
    },
  };
}

export interface CdcTenant {
  stack: Stack;
  tenant: TenantInfo;
  /** The tenant database as its superuser, with `items` in the publication. */
  db: pg.Client;
}

/** beforeAll/afterAll of a CDC scenario: one gateway, an ingest-cdc worker, a tenant with `items`. */
export function useCdcTenant(): CdcTenant {
  const ctx = {} as CdcTenant;
  beforeAll(async () => {
    ctx.stack = await startE2eStack({ gateways: 1, ingestCdc: true });
    ctx.tenant = await createTenant(ctx.stack);
    ctx.db = new pg.Client({ connectionString: ctx.tenant.dbUrl });
    await ctx.db.connect();
    await prepareItemsTable(ctx.db);
  });
  afterAll(async () => {
    await ctx.db?.end();
    await ctx.stack?.stop();
  });
  return ctx;
}
