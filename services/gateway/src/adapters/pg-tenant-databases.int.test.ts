// A tenant's policy may sleep: every use of its database is cut by a timeout (issue 8, item 9).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import { uniqueName } from '@realtime/testing';
import type { TenantDatabase, TenantDatabases } from '../ports.ts';
import type { Tenant } from '../core/base/tenant.ts';
import { createPgTenantDatabases } from './pg-tenant-databases.ts';

const log = createLogger({ service: 'test', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
let databases: TenantDatabases;
let db: TenantDatabase;
const timeouts: string[] = [];

beforeAll(async () => {
  const url = new URL(inject('infra').pgUrl);
  const name = uniqueName('slowpolicy');
  const admin = new pg.Client({ connectionString: url.href });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const setup = new pg.Client({ connectionString: url.href.replace(/\/postgres$/, `/${name}`) });
  await setup.connect();
  await setup.query(`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF; END $$`);
  await setup.query(`CREATE TABLE slow (id int PRIMARY KEY); ALTER TABLE slow ENABLE ROW LEVEL SECURITY; GRANT SELECT ON slow TO authenticated`);
  await setup.query(`CREATE TABLE quick (id int PRIMARY KEY); ALTER TABLE quick ENABLE ROW LEVEL SECURITY; GRANT SELECT ON quick TO authenticated`);
  // A policy that sleeps 10 s per row, and one that even turns the statement timeout off first.
  await setup.query(`CREATE POLICY sleepy ON slow FOR SELECT TO authenticated USING (pg_sleep(10) IS NOT NULL)`);
  await setup.query(`CREATE FUNCTION public.evade() RETURNS boolean LANGUAGE sql AS $$ SELECT set_config('statement_timeout', '0', false) IS NOT NULL AND pg_sleep(10) IS NOT NULL $$`);
  await setup.query(`CREATE TABLE evasive (id int PRIMARY KEY); ALTER TABLE evasive ENABLE ROW LEVEL SECURITY; GRANT SELECT ON evasive TO authenticated`);
  await setup.query(`CREATE POLICY evade ON evasive FOR SELECT TO authenticated USING (public.evade())`);
  await setup.query(`CREATE POLICY open ON quick FOR SELECT TO authenticated USING (true)`);
  await setup.query(`INSERT INTO slow VALUES (1); INSERT INTO quick VALUES (1); INSERT INTO evasive VALUES (1)`);
  await setup.end();
  databases = createPgTenantDatabases({ poolSize: 1, statementTimeoutMs: 500, connectTimeoutMs: 300, log, onTimeout: (t) => timeouts.push(t) });
  const tenant = {
    externalId: 'sleepy',
    db: { host: url.hostname, port: Number(url.port), database: name, user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), publication: 'supabase_realtime', maxRecordBytes: null },
  } as Tenant;
  db = databases.get(tenant)!;
});
afterAll(async () => {
  await databases?.close();
});

const who = [{ role: 'authenticated', claims: { role: 'authenticated', sub: 'x' } }];
const rows = (table: string) => ({ schema: 'public', table, pk: [{ name: 'id', type: 'int4' }], keys: [['1']] });

describe('tenant database timeouts', () => {
  it('cuts a policy with pg_sleep(10) by statement_timeout, as QueryCanceled, and the pool serves the next check', async () => {
    timeouts.length = 0;
    await expect(db.visibleRows(rows('slow'), who)).rejects.toMatchObject({ code: ErrorCodes.QueryCanceled });
    expect(timeouts).toEqual(['sleepy']);
    expect(await db.visibleRows(rows('quick'), who)).toEqual([new Set([0])]);
  });

  it('still cuts a policy that turns statement_timeout off for its session', async () => {
    timeouts.length = 0;
    await expect(db.visibleRows(rows('evasive'), who)).rejects.toMatchObject({ code: ErrorCodes.QueryCanceled });
    expect(timeouts).toEqual(['sleepy']);
    expect(await db.visibleRows(rows('quick'), who)).toEqual([new Set([0])]);
  });

  it('cuts the wait for a pooled connection that never comes free, as IncreaseConnectionPool', async () => {
    timeouts.length = 0;
    // Column privileges are cached for a second: warm them, so each check's first checkout is its RLS query.
    await db.selectableColumns('public', 'slow', 'authenticated');
    await db.selectableColumns('public', 'quick', 'authenticated');
    const busy = db.visibleRows(rows('slow'), who).catch((e: unknown) => e); // holds the pool's only connection
    await expect(db.visibleRows(rows('quick'), who)).rejects.toMatchObject({ code: ErrorCodes.IncreaseConnectionPool, message: 'Please increase your connection pool size' });
    await busy;
    expect(timeouts).toHaveLength(2);
  });
});
