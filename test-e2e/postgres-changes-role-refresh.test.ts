// A refreshed token with another role (docs/PROTOCOL.md §3.6) re-checks a channel's postgres_changes filters
// for that role against the tenant's real column privileges: supabase-js's setAuth() with an
// `anon` token refuses a filter on a column anon may not SELECT (the same `system` error as at
// join) and stops the changes; the other way round, a filter refused at join starts working.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { waitFor } from '@realtime/testing';
import { client, subscribed, token, useTenantStack } from './support/fixture.ts';
import { asChange, changesReady, tenantDb, type Change } from './support/changes.ts';
import { waitForSlotStreaming } from './support/cdc.ts';

const t = useTenantStack({ gateways: 1, ingestCdc: true });
let db: pg.Client;
const filter = 'owner=eq.alice';
const refused = 'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [event: INSERT, schema: public, table: tasks, filters: [{"owner", "eq", "alice"}], select: nil]. Exception: invalid column for filter owner';

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await db.query(`CREATE TABLE tasks (id bigint PRIMARY KEY, owner text NOT NULL, body text)`);
  await db.query(`REVOKE ALL ON tasks FROM anon, authenticated; GRANT SELECT ON tasks TO authenticated; GRANT SELECT (id, body) ON tasks TO anon`);
  await db.query(`ALTER PUBLICATION supabase_realtime ADD TABLE tasks`);
  await waitForSlotStreaming(db);
}, 60_000);
afterAll(async () => {
  await db?.end();
});

function tasksChannel(key: string, topic: string) {
  const c = client(t.port(), t.tenant.externalId, key);
  const got: Change[] = [];
  const system: Array<{ extension?: string; status?: string; message?: string }> = [];
  const channel = c.channel(topic)
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'tasks', filter }, (p) => void got.push(asChange(p)))
    .on('system', {}, (m) => void system.push(m));
  return { c, channel, got, system };
}

it('refuses a filter the refreshed role may not use, and delivers no more through it', async () => {
  const authenticated = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: 'alice' });
  const subject = tasksChannel(authenticated, 'tasks-downgraded');
  const witness = tasksChannel(authenticated, 'tasks-witness');
  await changesReady(subject.channel);
  await changesReady(witness.channel);
  await db.query(`INSERT INTO tasks VALUES (1, 'alice', 'first')`);
  await waitFor(() => expect(subject.got.map((c) => c.new.id)).toEqual([1]), { timeout: 20_000 });

  await subject.c.realtime.setAuth(await token(t.tenant.jwtSecret, { role: 'anon' }));
  await waitFor(() => expect(subject.system.at(-1)).toEqual({ extension: 'postgres_changes', status: 'error', message: refused, channel: 'tasks-downgraded' }));
  await db.query(`INSERT INTO tasks VALUES (2, 'alice', 'second')`);
  await waitFor(() => expect(witness.got.map((c) => c.new.id)).toEqual([1, 2]), { timeout: 20_000 });
  expect(subject.got.map((c) => c.new.id)).toEqual([1]);
  expect(subject.channel.state).toBe('joined');
}, 60_000);

it('subscribes a filter refused at join once a refresh brings a role that may use it', async () => {
  const subject = tasksChannel(t.key, 'tasks-upgraded');
  await subscribed(subject.channel);
  await waitFor(() => expect(subject.system).toEqual([{ extension: 'postgres_changes', status: 'error', message: refused, channel: 'tasks-upgraded' }]));

  await subject.c.realtime.setAuth(await token(t.tenant.jwtSecret, { role: 'authenticated', sub: 'alice' }));
  await waitFor(() => expect(subject.system.at(-1)).toEqual({ extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: 'tasks-upgraded' }));
  await db.query(`INSERT INTO tasks VALUES (3, 'alice', 'third')`);
  await waitFor(() => expect(subject.got.map((c) => c.new.id)).toEqual([3]), { timeout: 20_000 });
}, 60_000);
