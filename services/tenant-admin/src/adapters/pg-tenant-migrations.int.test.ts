import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { uniqueName } from '@realtime/testing';
import { migrateTenantDb, tenantMigrations, type TenantDbConnection } from './pg-tenant-migrations.ts';

let conn: TenantDbConnection;
let db: pg.Client;

beforeAll(async () => {
  const infra = inject('infra');
  const name = uniqueName('tenantdb');
  const admin = new pg.Client({ connectionString: infra.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF; END $$`);
  await admin.end();
  conn = { host: '127.0.0.1', port: infra.pgPort, database: name, user: 'postgres', password: '' };
  db = new pg.Client(conn);
  await db.connect();
});
afterAll(async () => {
  await db?.end();
});

describe('tenant database migrations', () => {
  it('apply once, also when run concurrently and repeatedly', async () => {
    const counts = await Promise.all([migrateTenantDb(conn), migrateTenantDb(conn), migrateTenantDb(conn)]);
    expect(counts).toEqual(counts.map(() => tenantMigrations.length));
    expect(await migrateTenantDb(conn)).toBe(tenantMigrations.length);
    expect((await db.query('SELECT count(*)::int AS n FROM realtime.schema_migrations')).rows[0].n).toBe(tenantMigrations.length);
  });

  it('create daily partitions from yesterday through +3 days, with RLS on the messages table', async () => {
    const { rows } = await db.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'realtime.messages'::regclass ORDER BY 1`);
    expect(rows).toHaveLength(5);
    const today = new Date();
    const day = (offset: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + offset)).toISOString().slice(0, 10).replace(/-/g, '_');
    expect(rows.map((r) => r.relname)).toContain(`messages_${day(0)}`);
    expect((await db.query(`SELECT relrowsecurity FROM pg_class WHERE oid = 'realtime.messages'::regclass`)).rows[0].relrowsecurity).toBe(true);
  });

  it('realtime.send stores a broadcast with payload.id; topic() reads the local setting', async () => {
    await db.query(`SELECT realtime.send('{"a":1}', 'ev', 'room', false)`);
    const row = (await db.query(`SELECT * FROM realtime.messages WHERE topic = 'room'`)).rows[0];
    expect(row).toMatchObject({ event: 'ev', private: false, extension: 'broadcast' });
    expect(row.payload).toEqual({ a: 1, id: row.id });
    await db.query('BEGIN');
    await db.query(`SELECT set_config('realtime.topic', 'x', true)`);
    expect((await db.query('SELECT realtime.topic() AS t')).rows[0].t).toBe('x');
    await db.query('ROLLBACK');
  });

  it('broadcast_changes refuses STATEMENT level; publications exist; anon sees no message without a policy', async () => {
    await expect(db.query(`SELECT realtime.broadcast_changes('t', 'e', 'INSERT', 'x', 'public', NULL::record, NULL::record, 'STATEMENT')`)).rejects.toThrow(/for each row/);
    const pubs = (await db.query(`SELECT pubname FROM pg_publication ORDER BY 1`)).rows.map((r) => r.pubname);
    expect(pubs).toEqual(['supabase_realtime', 'supabase_realtime_messages_publication']);
    await db.query('BEGIN; SET LOCAL ROLE anon');
    expect((await db.query('SELECT count(*)::int AS n FROM realtime.messages')).rows[0].n).toBe(0);
    await db.query('ROLLBACK');
  });

  it('give up, instead of waiting forever, when another session holds the migration lock', async () => {
    const holder = new pg.Client(conn);
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7331001)');
      await expect(migrateTenantDb(conn, { lockMs: 200 })).rejects.toThrow(/lock timeout/);
    } finally {
      await holder.end();
    }
    expect(await migrateTenantDb(conn)).toBe(tenantMigrations.length);
  });
});
