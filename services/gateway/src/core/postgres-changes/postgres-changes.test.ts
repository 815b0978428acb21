import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import type { ChangeEvent } from '@realtime/schemas';
import { MemorySocket, MemoryTenantDatabase, ownedTodosAndNotes, tenant, testGateway } from '../../../test/support.ts';
import { bindingId, MAX_BINDINGS } from './bindings.ts';

const secret = tenant().jwtSecret!;
const cols = [{ name: 'id', type: 'int8' }, { name: 'owner', type: 'text' }, { name: 'title', type: 'text' }];

let db: MemoryTenantDatabase;
let t: ReturnType<typeof testGateway>;
let lsn = 100;

beforeEach(() => {
  db = ownedTodosAndNotes(cols);
  t = testGateway(undefined, db);
  t.tenants.put(tenant());
});

async function client(claims: Record<string, unknown> = { role: 'anon' }) {
  const exp = t.clock.now() / 1000 + 3600;
  const token = await new SignJWT({ ...claims, exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const socket = new MemorySocket(`s${Math.random()}`);
  const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { ...claims, exp });
  const join = async (topic: string, bindings: unknown[], extra: Record<string, unknown> = {}) => {
    await t.gateway.receive(conn, JSON.stringify(['1', '1', topic, 'phx_join', { config: { postgres_changes: bindings, ...extra }, access_token: token }]));
    await new Promise((r) => setTimeout(r, 0));
  };
  const changes = () => socket.json().filter((f) => (f as unknown[])[3] === 'postgres_changes').map((f) => (f as unknown[])[4] as { ids: number[]; data: Record<string, unknown> });
  const leave = (topic: string) => t.gateway.receive(conn, JSON.stringify(['1', '2', topic, 'phx_leave', {}]));
  return { socket, conn, join, changes, leave };
}

function change(type: ChangeEvent['type'], table: string, record: Record<string, unknown> | null, old: Record<string, unknown> | null = null): ChangeEvent {
  lsn += 10;
  return {
    tenant: 'acme', schema: 'public', table, type, commit_timestamp: 1_760_000_000_123_456, commit_lsn: `0/${lsn.toString(16)}`, commit_lsn_num: lsn, xid: lsn, seq: 0,
    columns: cols.map((c) => ({ ...c, type_oid: 0 })), record_json: record && JSON.stringify(record), old_record_json: old && JSON.stringify(old),
    pk_columns: ['id'], toast_unchanged: [], truncated: false, relation_id: 1,
  };
}

async function deliver(...events: ChangeEvent[]) {
  for (const e of events) {
    if (e.record_json) db.tables.get(`public.${e.table}`)!.rows.push(JSON.parse(e.record_json));
    await t.gateway.changes.receive(e);
  }
  await t.gateway.changes.idle();
}

describe('postgres_changes join', () => {
  it('echoes the bindings with ids, then reports Subscribed to PostgreSQL', async () => {
    const c = await client();
    const bindings = [{ event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=eq.1' }, { event: '*', schema: 'public' }];
    await c.join('realtime:db', bindings);
    expect(c.socket.json()).toEqual([
      ['1', '1', 'realtime:db', 'phx_reply', { status: 'ok', response: { postgres_changes: bindings.map((b) => ({ ...b, id: bindingId(b) })) } }],
      ['1', null, 'realtime:db', 'system', { extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: 'db' }],
    ]);
  });

  it.each([
    [{ schema: 'public', table: 'nope', filter: 'id=eq.1' }, 'Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: *, schema: public, table: nope, filters: [{"id", "eq", "1"}], select: nil]'],
    [{ schema: 'public', table: 'nope', select: ['id', 'title'] }, 'Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: *, schema: public, table: nope, filters: [], select: ["id", "title"]]'],
  ])('names every parameter, select included, when the table is not published: %j', async (binding, message) => {
    const c = await client();
    await c.join('realtime:db', [{ event: '*', ...binding }]);
    expect((c.socket.json() as unknown[][])[1]![4]).toEqual({ extension: 'postgres_changes', status: 'error', message, channel: 'db' });
  });

  it.each([
    [{ schema: 'public', table: 'nope' }, /^Unable to subscribe to changes with given parameters. Please check Realtime is enabled/],
    [{ schema: 'public', table: 'todos', filter: 'id=nope.1' }, /^Error parsing `filter` params: nope is not a supported operator$/],
    [{ schema: 'public', table: 'todos', filter: 'missing=eq.1' }, /column missing does not exist$/],
    [{ schema: 'public', table: 'todos', filter: 'id=eq.abc' }, /invalid input for type int8: "abc"$/],
  ])('reports a bad subscription %j as a system error, the join still ok', async (binding, message) => {
    const c = await client();
    await c.join('realtime:db', [{ event: '*', ...binding }]);
    const frames = c.socket.json() as unknown[][];
    expect(frames[0]![4]).toMatchObject({ status: 'ok' });
    expect(frames[1]![3]).toBe('system');
    expect(frames[1]![4]).toMatchObject({ extension: 'postgres_changes', status: 'error', message: expect.stringMatching(message) });
    await deliver(change('INSERT', 'todos', { id: 1, owner: 'a', title: 'x' }));
    expect(c.changes()).toEqual([]);
  });

  it('refuses a filter on a column the role may not select', async () => {
    db.revoked.set('public.todos.anon', new Set(['owner']));
    const c = await client();
    await c.join('realtime:db', [{ event: '*', schema: 'public', table: 'todos', filter: 'owner=eq.a' }]);
    expect((c.socket.json()[1] as unknown[])[4]).toMatchObject({ status: 'error', message: expect.stringContaining('invalid column for filter owner') });
  });

  it('with postgres_changes_options.wait, replies only after the subscription is in', async () => {
    const c = await client();
    await c.join('realtime:db', [{ event: '*', schema: 'public', table: 'todos' }], { postgres_changes_options: { wait: true, timeout: 1000 } });
    expect((c.socket.json() as unknown[][]).map((f) => f[3])).toEqual(['phx_reply', 'system']);
  });

  it('retries when the database is down, and reports the error meanwhile', async () => {
    db.down = true;
    const c = await client();
    await c.join('realtime:db', [{ event: '*', schema: 'public', table: 'todos' }]);
    expect((c.socket.json()[1] as unknown[])[4]).toMatchObject({ status: 'error', message: 'Realtime was unable to connect to the project database' });
    db.down = false;
    t.clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 0));
    expect((c.socket.json()[2] as unknown[])[4]).toMatchObject({ status: 'ok', message: 'Subscribed to PostgreSQL' });
  });

  it('keeps one retry per channel however long the database stays down', async () => {
    db.down = true;
    const c = await client();
    await c.join('realtime:db', [{ event: '*', schema: 'public', table: 'todos' }]);
    const channel = c.conn.channels.get('realtime:db')!;
    const before = channel.cleanups.length;
    for (let i = 0; i < 20; i++) {
      t.clock.advance(10_000);
      await new Promise((r) => setTimeout(r, 0));
    }
    expect((c.socket.json() as unknown[][]).filter((f) => f[3] === 'system')).toHaveLength(21);
    expect(channel.cleanups.length).toBe(before);
    db.down = false;
    t.clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 0));
    expect((c.socket.json().at(-1) as unknown[])[4]).toMatchObject({ status: 'ok', message: 'Subscribed to PostgreSQL' });
  });
});

describe('postgres_changes delivery', () => {
  it('sends INSERT, UPDATE and DELETE in the shape realtime-js expects, to matching bindings only', async () => {
    const c = await client();
    const ins = { event: 'INSERT', schema: 'public', table: 'todos' };
    const one = { event: '*', schema: 'public', table: 'todos', filter: 'id=eq.1' };
    await c.join('realtime:db', [ins, one]);
    await deliver(
      change('INSERT', 'todos', { id: 1, owner: 'a', title: 'x' }),
      change('INSERT', 'todos', { id: 2, owner: 'a', title: 'y' }),
      change('UPDATE', 'todos', { id: 2, owner: 'a', title: 'z' }, { id: 2 }),
      change('DELETE', 'todos', null, { id: 1 }),
    );
    const got = c.changes();
    expect(got.map((p) => [p.data.type, p.ids])).toEqual([
      ['INSERT', [bindingId(ins), bindingId(one)]], ['INSERT', [bindingId(ins)]], ['DELETE', [bindingId(one)]],
    ]);
    expect(got[0]!.data).toEqual({
      schema: 'public', table: 'todos', commit_timestamp: '2025-10-09T08:53:20.123Z', type: 'INSERT',
      columns: cols, record: { id: 1, owner: 'a', title: 'x' }, errors: null,
    });
    expect(got[2]!.data).toMatchObject({ type: 'DELETE', old_record: { id: 1 } });
  });

  it('checks RLS once per identity for a batch, whatever the number of subscribers', async () => {
    const alice = await Promise.all(Array.from({ length: 50 }, () => client({ role: 'authenticated', sub: 'alice' })));
    const bob = await client({ role: 'authenticated', sub: 'bob' });
    for (const c of [...alice, bob]) await c.join('realtime:notes', [{ event: '*', schema: 'public', table: 'notes' }]);
    db.visibleRowsCalls = 0;
    db.identitiesChecked = 0;
    const events = [1, 2, 3, 4].map((id) => change('INSERT', 'notes', { id, owner: id % 2 ? 'alice' : 'bob', title: 't' }));
    for (const e of events) db.tables.get('public.notes')!.rows.push(JSON.parse(e.record_json!));
    for (const e of events) void t.gateway.changes.receive(e);
    await t.gateway.changes.idle();
    expect(db.visibleRowsCalls).toBe(1); // one call for the table's batch …
    expect(db.identitiesChecked).toBe(2); // … asking for alice's identity and bob's, not 51 subscribers
    for (const c of alice) expect(c.changes().map((p) => (p.data.record as { id: number }).id)).toEqual([1, 3]);
    expect(bob.changes().map((p) => (p.data.record as { id: number }).id)).toEqual([2, 4]);
  });

  it('never RLS-checks a DELETE, and gives only the primary key in its old_record', async () => {
    const c = await client({ role: 'authenticated', sub: 'bob' });
    await c.join('realtime:notes', [{ event: 'DELETE', schema: 'public', table: 'notes' }]);
    await deliver(change('DELETE', 'notes', null, { id: 7, owner: 'alice', title: 'secret' }));
    expect(c.changes().map((p) => p.data.old_record)).toEqual([{ id: 7 }]);
  });

  it('removes columns the role may not select, and sends 401 when the key is hidden', async () => {
    const c = await client();
    await c.join('realtime:db', [{ event: '*', schema: 'public', table: 'todos' }]);
    db.revoked.set('public.todos.anon', new Set(['owner']));
    await deliver(change('INSERT', 'todos', { id: 1, owner: 'a', title: 'x' }));
    db.revoked.set('public.todos.anon', new Set(['id']));
    await new Promise((r) => setTimeout(r, 1100)); // the adapter's catalog cache would hold it this long; the fake has none
    await deliver(change('INSERT', 'todos', { id: 2, owner: 'a', title: 'y' }));
    const [first, second] = c.changes();
    expect(first!.data.record).toEqual({ id: 1, title: 'x' });
    expect(first!.data.columns).toEqual([{ name: 'id', type: 'int8' }, { name: 'title', type: 'text' }]);
    expect(second!.data).toEqual({ schema: 'public', table: 'todos', type: 'INSERT', errors: ['Error 401: Unauthorized'] });
  });

  it('keeps select columns plus the primary key', async () => {
    const c = await client();
    await c.join('realtime:db', [{ event: 'INSERT', schema: 'public', table: 'todos', select: ['title'] }]);
    await deliver(change('INSERT', 'todos', { id: 1, owner: 'a', title: 'x' }));
    expect(c.changes()[0]!.data.record).toEqual({ id: 1, title: 'x' });
  });

  it('drops a replayed duplicate and delivers nothing unchecked while the database is down', async () => {
    const c = await client({ role: 'authenticated', sub: 'alice' });
    await c.join('realtime:notes', [{ event: '*', schema: 'public', table: 'notes' }]);
    const e = change('INSERT', 'notes', { id: 1, owner: 'alice', title: 't' });
    await deliver(e);
    await t.gateway.changes.receive(e);
    await t.gateway.changes.idle();
    expect(c.changes()).toHaveLength(1);
    db.down = true;
    await deliver(change('INSERT', 'notes', { id: 2, owner: 'alice', title: 't' }));
    expect(c.changes()).toHaveLength(1);
  });

  it('stops delivering after leave', async () => {
    const c = await client();
    await c.join('realtime:db', [{ event: '*', schema: 'public', table: 'todos' }]);
    await deliver(change('INSERT', 'todos', { id: 1, owner: 'a', title: 'x' }));
    await c.leave('realtime:db');
    await deliver(change('INSERT', 'todos', { id: 2, owner: 'a', title: 'y' }));
    expect(c.changes()).toHaveLength(1);
    expect(t.gateway.changes.subscriberCount('acme')).toBe(0);
  });
});

describe('hostile filters', () => {
  it('refuses an invalid pattern at subscribe time; an evil one runs in linear time; other subscribers keep their changes', async () => {
    const normal = await client();
    await normal.join('realtime:db', [{ event: 'INSERT', schema: 'public', table: 'todos', filter: 'title=like.%!' }]);
    const invalid = await client();
    await invalid.join('realtime:bad', [{ event: 'INSERT', schema: 'public', table: 'todos', filter: 'title=match.(' }]);
    const evil = await client();
    await evil.join('realtime:evil', [{ event: 'INSERT', schema: 'public', table: 'todos', filter: 'title=imatch.^(a+)+$' }]);

    const refusal = (invalid.socket.json() as unknown[][]).find((f) => f[3] === 'system')![4];
    expect(refusal).toMatchObject({ extension: 'postgres_changes', status: 'error', message: expect.stringMatching(/^Error parsing `filter` params: invalid match\. pattern "\(": /) });
    expect(t.gateway.changes.subscriberCount('acme')).toBe(2);

    // Exponential on a backtracking engine; one linear pass on RE2.
    await deliver(change('INSERT', 'todos', { id: 1, owner: 'a', title: `${'a'.repeat(50_000)}!` }), change('INSERT', 'todos', { id: 2, owner: 'a', title: 'AAAA' }));
    expect(normal.changes().map((p) => (p.data.record as { id: number }).id)).toEqual([1]);
    expect(evil.changes().map((p) => (p.data.record as { id: number }).id)).toEqual([2]);
    expect(invalid.changes()).toEqual([]);
  });

  it('keeps a binding whose filter throws while matching from costing anyone else the change', async () => {
    const normal = await client();
    await normal.join('realtime:db', [{ event: 'INSERT', schema: 'public', table: 'todos' }]);
    const broken = await client();
    await broken.join('realtime:broken', [{ event: 'INSERT', schema: 'public', table: 'todos', filter: 'title=match.x' }]);
    // What no parse lets through, forced in: a pattern that throws (and a value RegExp rejects).
    const channel = broken.conn.channels.get('realtime:broken')!;
    const raw = { event: 'INSERT', schema: 'public', table: 'todos', filter: 'title=match.(' };
    t.gateway.changes.subscribe(channel, [{
      raw, id: bindingId(raw), event: 'INSERT', schema: 'public', table: 'todos', select: null,
      filters: [{ column: 'title', op: 'match', negate: false, value: '(', pattern: { test: () => { throw new Error('boom'); } } }],
    }]);
    await deliver(change('INSERT', 'todos', { id: 1, owner: 'a', title: 'x' }));
    expect(normal.changes()).toHaveLength(1);
    expect(broken.changes()).toEqual([]);
  });

  it(`refuses a channel with more than ${MAX_BINDINGS} bindings without asking the database about each`, async () => {
    const c = await client();
    const bindings = Array.from({ length: MAX_BINDINGS + 1 }, (_, i) => ({ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=eq.${i}` }));
    await c.join('realtime:many', bindings);
    const frames = c.socket.json() as unknown[][];
    expect(frames[0]![4]).toMatchObject({ status: 'ok' });
    expect(((frames[0]![4] as { response: { postgres_changes: unknown[] } }).response.postgres_changes)).toHaveLength(MAX_BINDINGS);
    expect(frames[1]![4]).toMatchObject({ status: 'error', message: expect.stringContaining(`at most ${MAX_BINDINGS} postgres_changes bindings`) });
    expect(t.gateway.changes.subscriberCount('acme')).toBe(0);
  });

  it('asks the tenant database once per table, however many bindings name it', async () => {
    const published = vi.spyOn(db, 'publishedTables');
    const c = await client();
    const bindings = Array.from({ length: MAX_BINDINGS }, (_, i) => ({ event: 'INSERT', schema: 'public', table: i % 2 ? 'todos' : 'notes', filter: `id=eq.${i}` }));
    await c.join('realtime:many', bindings);
    expect((c.socket.json()[1] as unknown[])[4]).toMatchObject({ status: 'ok', message: 'Subscribed to PostgreSQL' });
    expect(published).toHaveBeenCalledTimes(2);
  });
});
