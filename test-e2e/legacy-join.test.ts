// The legacy join form end to end (docs/PROTOCOL.md §3.2, §6), spoken in raw vsn 1.0.0 JSON frames the way
// realtime-js 1.x / supabase-js v1 do: no `config`, the token as `user_token`, the subscription
// in the topic (`realtime:schema[:table[:filter]]`), changes arriving as INSERT/UPDATE/DELETE
// events whose payload is the bare change map.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { waitFor } from '@realtime/testing';
import { token, useTenantStack } from './support/fixture.ts';
import { tenantDb } from './support/changes.ts';
import { waitForSlotStreaming } from './support/cdc.ts';

const t = useTenantStack({ gateways: 1, ingestCdc: true });
let db: pg.Client;
const alice = randomUUID();
const bob = randomUUID();
const sockets: WebSocket[] = [];

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await db.query(`CREATE TABLE todos (id bigint PRIMARY KEY, title text, done boolean NOT NULL DEFAULT false)`);
  await db.query(`CREATE TABLE notes (id bigint PRIMARY KEY, owner uuid NOT NULL, body text)`);
  await db.query(`ALTER TABLE notes ENABLE ROW LEVEL SECURITY`);
  await db.query(`CREATE POLICY "own notes" ON notes FOR SELECT TO authenticated USING (owner = auth.uid())`);
  await db.query(`ALTER PUBLICATION supabase_realtime ADD TABLE todos, notes`);
  await waitForSlotStreaming(db);
}, 60_000);
afterAll(async () => {
  for (const ws of sockets) ws.close();
  await db?.end();
});

interface V1Frame {
  topic: string;
  event: string;
  payload: Record<string, any>;
  ref: string | null;
}

/** A 1.0.0 socket (connected with the anon key) with one channel joined in the legacy form. */
async function legacyChannel(subtopic: string, userToken = t.key) {
  const ws = new WebSocket(`ws://127.0.0.1:${t.port()}/realtime/v1/websocket?vsn=1.0.0&apikey=${t.key}`, { headers: { host: `${t.tenant.externalId}.localhost:${t.port()}` } });
  sockets.push(ws);
  const frames: V1Frame[] = [];
  ws.on('message', (data) => void frames.push(JSON.parse(String(data)) as V1Frame));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const topic = `realtime:${subtopic}`;
  const send = (event: string, payload: unknown, ref: string) => ws.send(JSON.stringify({ topic, event, payload, ref, join_ref: '1' }));
  send('phx_join', { user_token: userToken }, '1');
  await waitFor(() => expect(frames.find((f) => f.event === 'system')).toBeDefined(), { timeout: 15_000 });
  const changes = () => frames.filter((f) => ['INSERT', 'UPDATE', 'DELETE', 'postgres_changes'].includes(f.event));
  /** Resolves once the gateway handled every frame sent before: a socket's frames are handled in
   *  order, and one for a topic not joined is answered `unmatched topic` in its turn. */
  const handled = async () => {
    const ref = `sync${frames.length}`;
    ws.send(JSON.stringify({ topic: 'realtime:not-joined', event: 'presence', payload: {}, ref, join_ref: null }));
    await waitFor(() => expect(frames.find((f) => f.ref === ref)).toBeDefined());
  };
  return { frames, changes, send, handled };
}

describe('legacy join form', () => {
  it('replies ok, subscribes, and sends INSERT/UPDATE/DELETE frames with the bare change map', async () => {
    const c = await legacyChannel('public:todos');
    const binding = { schema: 'public', table: 'todos' };
    expect(c.frames[0]).toEqual({ topic: 'realtime:public:todos', event: 'phx_reply', ref: '1', payload: { status: 'ok', response: { postgres_changes: [{ ...binding, id: expect.any(Number) }] } } });
    expect(c.frames[1]!.payload).toEqual({ extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: 'public:todos' });

    await db.query(`INSERT INTO todos (id, title) VALUES (1, 'write tests')`);
    await db.query(`UPDATE todos SET done = true WHERE id = 1`);
    await db.query(`DELETE FROM todos WHERE id = 1`);
    await waitFor(() => expect(c.changes()).toHaveLength(3), { timeout: 20_000 });

    const [insert, update, del] = c.changes();
    expect([insert!.event, update!.event, del!.event]).toEqual(['INSERT', 'UPDATE', 'DELETE']);
    const columns = [{ name: 'id', type: 'int8' }, { name: 'title', type: 'text' }, { name: 'done', type: 'bool' }];
    const at = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(insert).toEqual({ topic: 'realtime:public:todos', event: 'INSERT', ref: null, payload: {
      schema: 'public', table: 'todos', commit_timestamp: at, type: 'INSERT', columns, record: { id: 1, title: 'write tests', done: false }, errors: null,
    } });
    expect(update!.payload).toEqual({ schema: 'public', table: 'todos', commit_timestamp: at, type: 'UPDATE', columns, record: { id: 1, title: 'write tests', done: true }, old_record: { id: 1 }, errors: null });
    expect(del!.payload).toEqual({ schema: 'public', table: 'todos', commit_timestamp: at, type: 'DELETE', columns, old_record: { id: 1 }, errors: null });
  });

  it('a filtered topic receives only the matching rows', async () => {
    const [filtered, table] = await Promise.all([legacyChannel('public:todos:id=eq.12'), legacyChannel('public:todos')]);
    await db.query(`INSERT INTO todos (id, title) VALUES (11, 'no'), (12, 'yes'), (13, 'no')`);
    // Both channels get each change from the same batch: once the unfiltered one has all three,
    // the filtered one has had its chance at all three too.
    await waitFor(() => expect(table.changes()).toHaveLength(3), { timeout: 20_000 });
    await waitFor(() => expect(filtered.changes()).toHaveLength(1));
    expect(filtered.changes().map((f) => [f.event, f.payload.record.id])).toEqual([['INSERT', 12]]);
  });

  it('a bad topic filter is a postgres_changes system error; the join itself is ok', async () => {
    const c = await legacyChannel('public:todos:id=nope.1');
    expect(c.frames[0]!.payload.status).toBe('ok');
    expect(c.frames[1]!.payload).toEqual({ extension: 'postgres_changes', status: 'error', message: 'Error parsing `filter` params: nope is not a supported operator', channel: 'public:todos:id=nope.1' });
  });

  it('with RLS on, the user_token decides which rows arrive, and an access_token refresh changes it', async () => {
    const aliceKey = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: alice });
    const bobKey = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: bob });
    const [forAlice, forBob, later] = await Promise.all([
      legacyChannel('public:notes', aliceKey), legacyChannel('public:notes', bobKey), legacyChannel('public:notes', bobKey),
    ]);
    await db.query(`INSERT INTO notes VALUES (1, $1, 'alice 1'), (2, $2, 'bob 2'), (3, $1, 'alice 3')`, [alice, bob]);
    await waitFor(() => expect(forAlice.changes()).toHaveLength(2), { timeout: 20_000 });
    await waitFor(() => expect(forBob.changes()).toHaveLength(1));
    expect(forAlice.changes().map((f) => f.payload.record.id)).toEqual([1, 3]);
    expect(forBob.changes().map((f) => f.payload.record.id)).toEqual([2]);
    await waitFor(() => expect(later.changes()).toHaveLength(1)); // same batch as forBob's: decided as bob

    // The old client's setAuth: an access_token push, never replied to; RLS now uses alice's claims.
    later.send('access_token', { access_token: aliceKey }, '2');
    await later.handled();
    await db.query(`INSERT INTO notes VALUES (4, $1, 'alice 4'), (5, $2, 'bob 5')`, [alice, bob]);
    await waitFor(() => expect(forBob.changes()).toHaveLength(2), { timeout: 20_000 });
    await waitFor(() => expect(later.changes()).toHaveLength(2));
    expect(later.changes().map((f) => f.payload.record.id)).toEqual([2, 4]);
  });
});
