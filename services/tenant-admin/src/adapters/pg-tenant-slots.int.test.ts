// The slot reader against real Postgres: a slot nobody streams is listed inactive, without an
// owner, with its lag in bytes growing as the server writes WAL; slots of other databases on the
// same server are not listed; a database that cannot be reached rejects.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import pg from 'pg';
import { uniqueName, waitFor } from '@realtime/testing';
import { createDatabase } from '@realtime/testing/stack';
import type { DbTarget } from '../ports.ts';
import { createPgSlotReader } from './pg-tenant-slots.ts';

let target: DbTarget;
let db: pg.Client;
const slot = uniqueName('supabase_realtime_replication_slot');

beforeAll(async () => {
  const infra = inject('infra');
  const name = uniqueName('slotsdb');
  await createDatabase(infra.pgUrl, name);
  target = { host: '127.0.0.1', port: infra.pgPort, database: name, user: 'postgres', password: '' };
  db = new pg.Client(target);
  await db.connect();
  await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
});
afterAll(async () => {
  await db?.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {});
  await db?.end();
});

it('lists the database\'s own slot, inactive and unowned, with a lag that grows with WAL', async () => {
  const reader = createPgSlotReader();
  const [before] = await reader.read(target);
  expect(before).toMatchObject({ slot_name: slot, active: false, owner: null, lag_seconds: null });
  expect(before!.confirmed_flush_lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);

  await db.query('CREATE TABLE wal_filler AS SELECT x FROM generate_series(1, 10000) x');
  // The test server commits asynchronously (libs/testing/src/postgres.ts): pg_current_wal_lsn(), the
  // written position, moves when the WAL writer next runs (every 10 ms, later on a loaded machine).
  const after = await waitFor(async () => {
    const slots = await reader.read(target);
    expect(slots[0]!.lag_bytes).toBeGreaterThan(before!.lag_bytes!);
    return slots;
  }, { timeout: 5000 });
  expect(after).toHaveLength(1); // other tests' slots on this server are in other databases
});

it('rejects when the database cannot be reached', async () => {
  await expect(createPgSlotReader(1000).read({ ...target, port: 1 })).rejects.toThrow();
});
