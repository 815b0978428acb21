// Shared by the CDC durability scenarios: a tenant table in the publication, rows committed in
// batches, and an audit reader of realtime.cdc that drops duplicates as consumers do (lsn + seq).
import pg from 'pg';
import { expect } from 'vitest';
import { createLogger } from '@realtime/log';
import { createKafka, followTopic, topicNames } from '@realtime/kafka';
import type { ChangeEvent } from '@realtime/schemas';
import { uniqueName, waitFor } from '@realtime/testing';

export async function prepareItemsTable(db: pg.Client): Promise<void> {
  await db.query('SET synchronous_commit = on');
  await db.query('CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, v text)');
  await db.query(`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime') THEN CREATE PUBLICATION supabase_realtime; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime_messages_publication') THEN CREATE PUBLICATION supabase_realtime_messages_publication; END IF;
  END $$`);
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
