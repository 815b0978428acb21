// Postgres Changes end to end with the official client: a commit in the tenant database goes
// through ingest-cdc, realtime.cdc and a gateway to supabase-js, with filters, both replica
// identities, two bindings on one channel and the payload realtime-js turns into its callback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { waitFor } from '@realtime/testing';
import { client, useTenantStack } from './support/fixture.ts';
import { asChange, changesReady, tenantDb, type Change } from './support/changes.ts';
import { waitForSlotStreaming } from './support/cdc.ts';

const t = useTenantStack({ gateways: 2, ingestCdc: true });
let db: pg.Client;

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await db.query(`CREATE TABLE todos (id bigint PRIMARY KEY, title text, done boolean NOT NULL DEFAULT false, n int, at timestamptz)`);
  await db.query(`CREATE TABLE todos_full (id bigint PRIMARY KEY, title text, done boolean NOT NULL DEFAULT false)`);
  await db.query(`ALTER TABLE todos_full REPLICA IDENTITY FULL`);
  await db.query(`CREATE TABLE blobs (id bytea PRIMARY KEY, bins bytea[])`);
  await db.query(`ALTER PUBLICATION supabase_realtime ADD TABLE todos, todos_full, blobs`);
  await waitForSlotStreaming(db);
}, 60_000);
afterAll(async () => {
  await db?.end();
});

describe('postgres changes', () => {
  it('delivers INSERT, UPDATE and DELETE with their records, default replica identity', async () => {
    const got: Change[] = [];
    const channel = client(t.port(1), t.tenant.externalId, t.key).channel('db-todos')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'todos' }, (p) => void got.push(asChange(p)));
    await changesReady(channel);

    await db.query(`INSERT INTO todos (id, title, n, at) VALUES (1, 'write tests', 3, '2026-08-21T12:34:56.789Z')`);
    await db.query(`UPDATE todos SET done = true WHERE id = 1`);
    await db.query(`DELETE FROM todos WHERE id = 1`);
    await waitFor(() => expect(got).toHaveLength(3), { timeout: 20_000 });

    expect(got.map((c) => c.eventType)).toEqual(['INSERT', 'UPDATE', 'DELETE']);
    expect(got[0]).toMatchObject({ schema: 'public', table: 'todos', errors: null, old: {} });
    expect(got[0]!.new).toEqual({ id: 1, title: 'write tests', done: false, n: 3, at: '2026-08-21T12:34:56.789+00:00' });
    expect(got[0]!.commit_timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(got[1]!.new).toMatchObject({ id: 1, done: true });
    expect(got[1]!.old).toEqual({ id: 1 });
    expect(got[2]!.new).toEqual({});
    expect(got[2]!.old).toEqual({ id: 1 });
  });

  it('gives the whole old row with REPLICA IDENTITY FULL', async () => {
    const got: Change[] = [];
    const channel = client(t.port(0), t.tenant.externalId, t.key).channel('db-full')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'todos_full' }, (p) => void got.push(asChange(p)));
    await changesReady(channel);
    await db.query(`INSERT INTO todos_full (id, title) VALUES (1, 'a')`);
    await db.query(`UPDATE todos_full SET title = 'b' WHERE id = 1`);
    await db.query(`DELETE FROM todos_full WHERE id = 1`);
    await waitFor(() => expect(got).toHaveLength(3), { timeout: 20_000 });
    expect(got[1]!.old).toEqual({ id: 1, title: 'a', done: false });
    expect(got[1]!.new).toEqual({ id: 1, title: 'b', done: false });
    expect(got[2]!.old).toEqual({ id: 1, title: 'b', done: false });
  });

  it('fires each of two bindings on one channel for its own events only', async () => {
    const inserts: Change[] = [];
    const deletes: Change[] = [];
    const channel = client(t.port(0), t.tenant.externalId, t.key).channel('db-two')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, (p) => void inserts.push(asChange(p)))
      .on('postgres_changes', { event: 'DELETE', schema: 'public', table: 'todos' }, (p) => void deletes.push(asChange(p)));
    await changesReady(channel);
    await db.query(`INSERT INTO todos (id, title) VALUES (20, 'x')`);
    await db.query(`UPDATE todos SET title = 'y' WHERE id = 20`);
    await db.query(`DELETE FROM todos WHERE id = 20`);
    await waitFor(() => expect(deletes).toHaveLength(1), { timeout: 20_000 });
    expect(inserts.map((c) => c.eventType)).toEqual(['INSERT']);
    expect(deletes.map((c) => c.eventType)).toEqual(['DELETE']);
  });

  it('applies every filter operator the way Postgres compares the column type', async () => {
    // Row 100 (n=10, title 'Hello World', done=false) and row 101 (n=2, title 'bye', done=true, at NULL).
    const filters: Record<string, [string, number[]]> = {
      eq: ['n=eq.10', [100]], neq: ['n=neq.10', [101]], lt: ['n=lt.9', [101]], lte: ['n=lte.10', [100, 101]],
      gt: ['n=gt.9', [100]], gte: ['n=gte.2', [100, 101]], in: ['n=in.(2,3)', [101]], like: ['title=like.Hello%', [100]],
      ilike: ['title=ilike.hello%', [100]], is: ['done=is.true', [101]], match: ['title=match.^b.e$', [101]],
      imatch: ['title=imatch.^HELLO', [100]], isdistinct: ['n=isdistinct.10', [101]], not: ['n=not.eq.10', [101]],
      and: ['n=gt.1,title=eq.bye', [101]], isnull: ['at=is.null', [101]],
    };
    const seen = new Map<string, number[]>();
    let channel = client(t.port(1), t.tenant.externalId, t.key).channel('db-filters');
    for (const [name, [filter]] of Object.entries(filters)) {
      seen.set(name, []);
      channel = channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos', filter }, (p) => void seen.get(name)!.push(asChange(p).new.id));
    }
    await changesReady(channel);
    await db.query(`INSERT INTO todos (id, title, n, done, at) VALUES (100, 'Hello World', 10, false, now()), (101, 'bye', 2, true, NULL)`);
    await waitFor(() => expect(seen.get('lte')).toHaveLength(2), { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(Object.entries(filters).map(([k, [, ids]]) => [k, ids])));
  });

  it('reports a table outside the publication and a bad filter as system errors', async () => {
    await db.query(`CREATE TABLE IF NOT EXISTS hidden (id int PRIMARY KEY)`);
    const notPublished = client(t.port(0), t.tenant.externalId, t.key).channel('db-hidden')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'hidden' }, () => {});
    await expect(changesReady(notPublished)).rejects.toThrow('[event: *, schema: public, table: hidden, filters: [], select: nil]');
    const badFilter = client(t.port(0), t.tenant.externalId, t.key).channel('db-bad')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'todos', filter: 'n=eq.abc' }, () => {});
    await expect(changesReady(badFilter)).rejects.toThrow(/invalid input for type int4/);
  });

  it('sends bytea as hex without \\x, and filters a bytea column by its \\x input form (docs/PROTOCOL.md §6)', async () => {
    const got: Change[] = [];
    const channel = client(t.port(1), t.tenant.externalId, t.key).channel('db-bytea')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'blobs', filter: 'id=eq.\\x00FF10' }, (p) => void got.push(asChange(p)));
    await changesReady(channel);
    await db.query(`INSERT INTO blobs VALUES ('\\x0102', NULL), ('\\x00ff10', ARRAY['\\xab'::bytea, NULL])`);
    await db.query(`DELETE FROM blobs WHERE id = '\\x00ff10'`);
    await waitFor(() => expect(got).toHaveLength(2), { timeout: 20_000 });
    expect(got[0]).toMatchObject({ eventType: 'INSERT', new: { id: '00ff10', bins: ['ab', null] } });
    expect(got[1]).toMatchObject({ eventType: 'DELETE', old: { id: '00ff10' } });
  });
});
