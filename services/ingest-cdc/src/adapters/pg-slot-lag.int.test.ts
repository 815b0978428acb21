// The slot lag reader against a real Postgres: null without the slot, and the WAL written since
// the slot's confirmed position once it exists.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import pg from 'pg';
import { uniqueName } from '@realtime/testing';
import { createPgSlotLagReader } from './pg-slot-lag.ts';

let url: string;
let db: pg.Client;

beforeAll(async () => {
  const infra = inject('infra');
  const admin = new pg.Client({ connectionString: infra.pgUrl });
  await admin.connect();
  const name = uniqueName('lag');
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  url = infra.pgUrl.replace(/\/postgres$/, `/${name}`);
  db = new pg.Client({ connectionString: url });
  await db.connect();
  // The test Postgres commits asynchronously; pg_current_wal_lsn() is the WAL written so far, so
  // commit synchronously to have the insert's WAL counted at once.
  await db.query('SET synchronous_commit = on');
  await db.query('CREATE TABLE items (id int PRIMARY KEY, v text)');
});
afterAll(async () => {
  await db?.end();
});

it('reads null while the slot is missing, then the WAL bytes behind its confirmed position', async () => {
  const slot = uniqueName('slot');
  const reader = createPgSlotLagReader(url, slot);
  try {
    expect(await reader.read()).toBeNull();
    await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    const before = await reader.read();
    expect(before).toBeGreaterThanOrEqual(0);
    await db.query(`INSERT INTO items SELECT x, repeat('x', 100) FROM generate_series(1, 1000) x`);
    expect(await reader.read()).toBeGreaterThan(before! + 100_000);
  } finally {
    await reader.close();
    await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
  }
});
