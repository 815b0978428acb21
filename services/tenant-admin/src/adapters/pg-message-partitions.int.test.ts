// The partition keeper against real Postgres with its clock moved a week ahead (the system clock is
// left alone: the keeper passes its time to realtime.ensure_message_partitions, and the inserts
// below take theirs from a column default moved the same week, inside a rolled-back transaction).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { createLogger } from '@realtime/log';
import { uniqueName } from '@realtime/testing';
import { migrateTenantDb, type TenantDbConnection } from './pg-tenant-migrations.ts';
import { createPgMessagePartitions } from './pg-message-partitions.ts';
import { startPartitionKeeper } from '../core/partition-keeper.ts';

const WEEK_MS = 7 * 86_400_000;
let conn: TenantDbConnection;
let db: pg.Client;
let blackhole: Server;
const held: Socket[] = [];

beforeAll(async () => {
  const infra = inject('infra');
  const name = uniqueName('partdb');
  const admin = new pg.Client({ connectionString: infra.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF; END $$`);
  await admin.end();
  conn = { host: '127.0.0.1', port: infra.pgPort, database: name, user: 'postgres', password: '' };
  await migrateTenantDb(conn);
  db = new pg.Client(conn);
  await db.connect();
  // A "database" that accepts connections and never answers: the worst neighbour for a pass.
  blackhole = createServer((s) => { held.push(s); });
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await db?.end();
  for (const s of held) s.destroy();
  await new Promise((resolve) => blackhole?.close(resolve));
});

const partitions = async () =>
  (await db.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'realtime.messages'::regclass ORDER BY 1`)).rows.map((r) => r.relname as string);

/** What the database holds for today's and tomorrow's writes; day(0) is the database's date at `offsetMs`. */
async function dayName(offsetMs: number, days: number): Promise<string> {
  const { rows } = await db.query(`SELECT to_char(($1::timestamptz)::date + $2::int, 'YYYY_MM_DD') AS d`, [new Date(Date.now() + offsetMs).toISOString(), days]);
  return `messages_${rows[0].d}`;
}

/** realtime.send and the gateway's private-channel probe insert, with inserts dated `offsetMs` ahead; counts the rows that landed. */
async function writesAt(offsetMs: number): Promise<number> {
  await db.query('BEGIN');
  try {
    await db.query(`ALTER TABLE realtime.messages ALTER COLUMN inserted_at SET DEFAULT now() + make_interval(secs => ${offsetMs / 1000})`);
    await db.query(`SELECT realtime.send('{"a":1}', 'ev', 'moved-clock', true)`); // a failure is only a WARNING
    await db.query('SAVEPOINT probe');
    try {
      await db.query(`INSERT INTO realtime.messages (topic, extension, private) VALUES ('moved-clock', 'broadcast', true)`);
    } catch {
      await db.query('ROLLBACK TO SAVEPOINT probe');
    }
    return (await db.query(`SELECT count(*)::int AS n FROM realtime.messages WHERE topic = 'moved-clock'`)).rows[0].n as number;
  } finally {
    await db.query('ROLLBACK');
  }
}

describe('message partition keeper', () => {
  it('a week later, keeps realtime.send and private probes working and drops partitions older than 72 hours; a hung database delays only itself', async () => {
    expect(await writesAt(0)).toBe(2);
    expect(await writesAt(WEEK_MS)).toBe(0); // what a tenant left alone for a week sees without the job
    const before = await partitions();
    expect(before).toContain(await dayName(0, 0));

    const keeper = startPartitionKeeper({
      targets: async () => [
        { externalId: 'hung', db: { ...conn, port: (blackhole.address() as { port: number }).port } },
        { externalId: 'healthy', db: conn },
      ],
      partitions: createPgMessagePartitions(1000),
      now: () => new Date(Date.now() + WEEK_MS),
      log: createLogger({ service: 'test', level: 'silent' }),
      intervalMs: 3_600_000,
      timeoutMs: 1000,
      concurrency: 2,
    });
    try {
      const result = await keeper.runOnce();
      expect(result).toEqual({ ok: ['healthy'], failed: ['hung'] });
    } finally {
      await keeper.stop();
    }

    expect(await writesAt(WEEK_MS)).toBe(2);
    expect(await writesAt(WEEK_MS + 86_400_000)).toBe(2);
    const after = await partitions();
    expect(after).toHaveLength(5);
    expect(after).toContain(await dayName(WEEK_MS, -1));
    expect(after).toContain(await dayName(WEEK_MS, 3));
    for (const old of before) expect(after).not.toContain(old); // all of them ended more than 72 hours before the moved clock
  });

  it('is idempotent across instances running at once', async () => {
    const at = new Date(Date.now() + WEEK_MS);
    const ensure = createPgMessagePartitions(5000);
    await Promise.all([ensure.ensure(conn, at), ensure.ensure(conn, at), ensure.ensure(conn, at)]);
    expect(await partitions()).toHaveLength(5);
  });

  it('migrates a database still on the schema before the clock argument, then keeps its partitions', async () => {
    await db.query('DROP FUNCTION realtime.ensure_message_partitions(timestamptz)');
    await db.query(`CREATE FUNCTION realtime.ensure_message_partitions() RETURNS void LANGUAGE sql AS 'SELECT'`);
    await db.query('DELETE FROM realtime.schema_migrations WHERE version >= 2');
    const at = new Date(Date.now() + 2 * WEEK_MS);
    await createPgMessagePartitions(5000).ensure(conn, at);
    expect(await partitions()).toContain(await dayName(2 * WEEK_MS, 3));
    expect((await db.query('SELECT max(version)::int AS v FROM realtime.schema_migrations')).rows[0].v).toBeGreaterThanOrEqual(2);
  });
});
