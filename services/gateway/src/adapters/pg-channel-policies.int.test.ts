// Private-channel policies that read the caller's x- headers (docs/PROTOCOL.md §7): request.headers holds them
// as JSON inside the policy transaction, for the read probe and for the write check alike.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { uniqueName } from '@realtime/testing';
import { channelRead, channelWrite } from './pg-channel-policies.ts';

let client: pg.Client;

beforeAll(async () => {
  const url = new URL(inject('infra').pgUrl);
  const name = uniqueName('xheaders');
  const admin = new pg.Client({ connectionString: url.href });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  client = new pg.Client({ connectionString: url.href.replace(/\/postgres$/, `/${name}`) });
  await client.connect();
  await client.query(`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF; END $$`);
  // The columns the adapter touches, as the tenant migration creates them.
  await client.query(`CREATE SCHEMA realtime;
    CREATE TABLE realtime.messages (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), topic text NOT NULL, extension text NOT NULL, event text, private boolean);
    ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
    GRANT USAGE ON SCHEMA realtime TO authenticated;
    GRANT SELECT, INSERT ON realtime.messages TO authenticated`);
  const fromWebApp = `(current_setting('request.headers', true)::json ->> 'x-app-id') = 'web'`;
  await client.query(`CREATE POLICY "web app reads" ON realtime.messages FOR SELECT TO authenticated USING (${fromWebApp})`);
  await client.query(`CREATE POLICY "web app writes" ON realtime.messages FOR INSERT TO authenticated WITH CHECK (${fromWebApp})`);
});
afterAll(async () => {
  await client?.end();
});

const who = (headers?: Record<string, string>) => ({ role: 'authenticated', claims: { role: 'authenticated', sub: 'u1' }, ...(headers ? { headers } : {}) });

describe('request.headers in channel policies', () => {
  it('lets a read policy see the x- headers', async () => {
    expect(await channelRead(client, 'room', who({ 'x-app-id': 'web' }), ['broadcast', 'presence'])).toEqual(new Set(['broadcast', 'presence']));
    expect(await channelRead(client, 'room', who({ 'x-app-id': 'cli' }), ['broadcast'])).toEqual(new Set());
    expect(await channelRead(client, 'room', who(), ['broadcast'])).toEqual(new Set());
  });

  it('lets a write policy see the x- headers', async () => {
    expect(await channelWrite(client, 'room', who({ 'x-app-id': 'web' }), 'broadcast')).toBe(true);
    expect(await channelWrite(client, 'room', who({ 'x-app-id': 'cli' }), 'broadcast')).toBe(false);
    expect(await channelWrite(client, 'room', who(), 'presence')).toBe(false);
  });

  it('keeps the setting inside the checked transaction', async () => {
    await channelRead(client, 'room', who({ 'x-app-id': 'web' }), ['broadcast']);
    const { rows } = await client.query(`SELECT current_setting('request.headers', true) AS h`);
    expect(rows[0].h ?? '').toBe('');
  });
});
