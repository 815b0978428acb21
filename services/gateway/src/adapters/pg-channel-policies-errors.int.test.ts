// Private-channel policy failures classified as the reference does (docs/PROTOCOL.md §3.3, §7): a policy that
// raises is RlsPolicyError, a realtime.messages without today's partition is MissingPartition, a
// plain refusal stays a refusal. Checked through the whole tenant-database adapter, since that is
// where the gateway meets them.
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
let setup: pg.Client;

beforeAll(async () => {
  const url = new URL(inject('infra').pgUrl);
  const name = uniqueName('policyerr');
  const admin = new pg.Client({ connectionString: url.href });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  setup = new pg.Client({ connectionString: url.href.replace(/\/postgres$/, `/${name}`) });
  await setup.connect();
  await setup.query(`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF; END $$`);
  // realtime.messages partitioned by day, as the tenant migration makes it (today's partition only).
  await setup.query(`CREATE SCHEMA realtime;
    CREATE TABLE realtime.messages (topic text NOT NULL, extension text NOT NULL, event text, private boolean,
      id uuid NOT NULL DEFAULT gen_random_uuid(), inserted_at timestamp NOT NULL DEFAULT now(), PRIMARY KEY (id, inserted_at))
      PARTITION BY RANGE (inserted_at);
    ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
    GRANT USAGE ON SCHEMA realtime TO authenticated;
    GRANT SELECT, INSERT ON realtime.messages TO authenticated`);
  await setup.query(`DO $$ BEGIN EXECUTE format('CREATE TABLE realtime.messages_today PARTITION OF realtime.messages FOR VALUES FROM (%L) TO (%L)', current_date, current_date + 1); END $$`);
  // Topics named 'broken…' hit a policy that raises; 'open' is readable and writable; others are refused.
  await setup.query(`CREATE FUNCTION public.checked(topic text) RETURNS boolean LANGUAGE plpgsql AS $$
    BEGIN IF topic LIKE 'broken%' THEN RAISE EXCEPTION 'policy lookup failed for %', topic; END IF; RETURN topic = 'open'; END $$`);
  await setup.query(`CREATE POLICY reads ON realtime.messages FOR SELECT TO authenticated USING (public.checked(topic))`);
  await setup.query(`CREATE POLICY writes ON realtime.messages FOR INSERT TO authenticated WITH CHECK (public.checked(topic))`);
  databases = createPgTenantDatabases({ poolSize: 1, statementTimeoutMs: 2000, connectTimeoutMs: 2000, log });
  const tenant = {
    externalId: 'policyerr',
    db: { host: url.hostname, port: Number(url.port), database: name, user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), publication: 'supabase_realtime', maxRecordBytes: null },
  } as Tenant;
  db = databases.get(tenant)!;
});
afterAll(async () => {
  await databases?.close();
  await setup?.end();
});

const who = { role: 'authenticated', claims: { role: 'authenticated', sub: 'u1' } };

describe('channel policy failures', () => {
  it('keeps a plain refusal a refusal and an allowed topic allowed', async () => {
    expect(await db.channelRead('open', who, ['broadcast'])).toEqual(new Set(['broadcast']));
    expect(await db.channelRead('closed', who, ['broadcast'])).toEqual(new Set());
    expect(await db.channelWrite('open', who, 'broadcast')).toBe(true);
    expect(await db.channelWrite('closed', who, 'broadcast')).toBe(false);
  });

  it('reports a read policy that raises as RlsPolicyError, with the database message', async () => {
    await expect(db.channelRead('broken-room', who, ['broadcast'])).rejects.toMatchObject({ code: ErrorCodes.RlsPolicyError, message: expect.stringContaining('policy lookup failed for broken-room') });
  });

  it('reports a write policy that raises as RlsPolicyError', async () => {
    await expect(db.channelWrite('broken-room', who, 'presence')).rejects.toMatchObject({ code: ErrorCodes.RlsPolicyError });
  });

  it('reports a realtime.messages without today\'s partition as MissingPartition, for read and write', async () => {
    await setup.query('DROP TABLE realtime.messages_today');
    try {
      await expect(db.channelRead('open', who, ['broadcast'])).rejects.toMatchObject({ code: ErrorCodes.MissingPartition, message: 'Realtime was unable to find the expected messages partition' });
      await expect(db.channelWrite('open', who, 'broadcast')).rejects.toMatchObject({ code: ErrorCodes.MissingPartition });
    } finally {
      await setup.query(`DO $$ BEGIN EXECUTE format('CREATE TABLE realtime.messages_today PARTITION OF realtime.messages FOR VALUES FROM (%L) TO (%L)', current_date, current_date + 1); END $$`);
    }
    expect(await db.channelRead('open', who, ['broadcast'])).toEqual(new Set(['broadcast']));
  });

  it('leaves an unknown role as "sees nothing, may do nothing"', async () => {
    const ghost = { role: 'no_such_role', claims: { role: 'no_such_role' } };
    expect(await db.channelRead('open', ghost, ['broadcast'])).toEqual(new Set());
    expect(await db.channelWrite('open', ghost, 'broadcast')).toBe(false);
  });
});
