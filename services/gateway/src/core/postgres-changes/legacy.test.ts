import { beforeEach, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import type { ChangeEvent } from '@realtime/schemas';
import { MemorySocket, MemoryTenantDatabase, ownedTodosAndNotes, tenant, testGateway } from '../../../test/support.ts';
import { bindingId } from './bindings.ts';
import { isLegacyJoin, legacyBinding } from './legacy.ts';

describe('legacy subtopic', () => {
  it.each([
    ['public', { schema: 'public' }],
    ['*', { schema: '*' }],
    ['public:todos', { schema: 'public', table: 'todos' }],
    ['public:todos:id=eq.1', { schema: 'public', table: 'todos', filter: 'id=eq.1' }],
    // the filter keeps its own colons: only the first two separate parts
    ['public:todos:at=eq.12:30:00', { schema: 'public', table: 'todos', filter: 'at=eq.12:30:00' }],
    ['public:todos:', { schema: 'public', table: 'todos', filter: '' }],
    ['public:', { schema: 'public', table: '' }],
  ])('%s is %j', (subtopic, binding) => {
    expect(legacyBinding(subtopic)).toEqual(binding);
  });

  it.each([
    [{}, true],
    [{ user_token: 'x' }, true],
    [{ config: {} }, false],
    [{ config: null }, false], // the key is there: the new form (with defaults)
    [null, false],
    [[], false],
  ])('payload %j is legacy: %s', (payload, legacy) => {
    expect(isLegacyJoin(payload)).toBe(legacy);
  });
});

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

/** A vsn 1.0.0 client joining in the legacy form: no `config`, its token as `user_token`. */
async function legacyClient(topic: string, claims: Record<string, unknown> = { role: 'anon' }) {
  const exp = t.clock.now() / 1000 + 3600;
  const token = await new SignJWT({ ...claims, exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const socket = new MemorySocket(`s${Math.random()}`);
  const conn = t.gateway.attach(socket, 'acme', '1.0.0', 'connect-token-is-not-used', { role: 'anon', exp });
  await t.gateway.receive(conn, JSON.stringify({ topic, event: 'phx_join', payload: { user_token: token }, ref: '1', join_ref: '1' }));
  await new Promise((r) => setTimeout(r, 0));
  const frames = () => socket.json() as Array<{ event: string; payload: Record<string, any>; ref: string | null }>;
  return { frames, changes: () => frames().filter((f) => ['INSERT', 'UPDATE', 'DELETE', 'postgres_changes'].includes(f.event)) };
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
    t.gateway.changes.receive(e);
  }
  await t.gateway.changes.idle();
}

describe('legacy join', () => {
  it('replies with the binding the topic stands for, then subscribes', async () => {
    const c = await legacyClient('realtime:public:todos:id=eq.1');
    const binding = { schema: 'public', table: 'todos', filter: 'id=eq.1' };
    expect(c.frames()).toEqual([
      { topic: 'realtime:public:todos:id=eq.1', event: 'phx_reply', payload: { status: 'ok', response: { postgres_changes: [{ ...binding, id: bindingId(binding) }] } }, ref: '1' },
      { topic: 'realtime:public:todos:id=eq.1', event: 'system', payload: { extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: 'public:todos:id=eq.1' }, ref: null },
    ]);
  });

  it('sends each change as an INSERT/UPDATE/DELETE frame with the bare change map', async () => {
    const c = await legacyClient('realtime:public:todos');
    await deliver(
      change('INSERT', 'todos', { id: 1, owner: 'a', title: 'x' }),
      change('UPDATE', 'todos', { id: 1, owner: 'a', title: 'y' }, { id: 1 }),
      change('DELETE', 'todos', null, { id: 1 }),
      change('INSERT', 'notes', { id: 9, owner: 'a', title: 'other table' }),
    );
    const columns = cols.map(({ name, type }) => ({ name, type }));
    const base = { schema: 'public', table: 'todos', commit_timestamp: '2025-10-09T08:53:20.123Z', columns, errors: null };
    expect(c.changes()).toEqual([
      { topic: 'realtime:public:todos', event: 'INSERT', payload: { ...base, type: 'INSERT', record: { id: 1, owner: 'a', title: 'x' } }, ref: null },
      { topic: 'realtime:public:todos', event: 'UPDATE', payload: { ...base, type: 'UPDATE', record: { id: 1, owner: 'a', title: 'y' }, old_record: { id: 1 } }, ref: null },
      { topic: 'realtime:public:todos', event: 'DELETE', payload: { ...base, type: 'DELETE', old_record: { id: 1 } }, ref: null },
    ]);
  });

  it('filters by the topic filter, all tables of a schema, and every schema with *', async () => {
    const [filtered, schema, all] = await Promise.all([legacyClient('realtime:public:todos:id=eq.2'), legacyClient('realtime:public'), legacyClient('realtime:*')]);
    await deliver(change('INSERT', 'todos', { id: 1, owner: 'a' }), change('INSERT', 'todos', { id: 2, owner: 'a' }), change('INSERT', 'notes', { id: 3, owner: 'a' }));
    expect(filtered.changes().map((f) => f.payload.record.id)).toEqual([2]);
    // notes has RLS and anon (no sub) passes no policy: only the todos rows
    expect(schema.changes().map((f) => f.payload.record.id)).toEqual([1, 2]);
    expect(all.changes().map((f) => f.payload.record.id)).toEqual([1, 2]);
  });

  it('applies RLS with the user_token claims', async () => {
    const c = await legacyClient('realtime:public:notes', { role: 'authenticated', sub: 'alice' });
    await deliver(change('INSERT', 'notes', { id: 1, owner: 'alice' }), change('INSERT', 'notes', { id: 2, owner: 'bob' }));
    expect(c.changes().map((f) => [f.event, f.payload.record.id])).toEqual([['INSERT', 1]]);
  });

  it('keeps the column privilege, 401 and 413 behaviour of the current form', async () => {
    const [a, b, big] = await Promise.all([legacyClient('realtime:public:todos'), legacyClient('realtime:public:notes'), legacyClient('realtime:public:todos')]);
    db.revoked.set('public.todos.anon', new Set(['owner']));
    db.revoked.set('public.notes.anon', new Set(['id']));
    db.policy = () => true;
    await deliver(change('INSERT', 'todos', { id: 1, owner: 'a', title: 'x' }), change('INSERT', 'notes', { id: 2, owner: 'a', title: 'y' }));
    await deliver({ ...change('INSERT', 'todos', { id: 3, title: 'small' }), truncated: true });
    expect(a.changes()[0]!.payload.record).toEqual({ id: 1, title: 'x' });
    expect(b.changes()).toEqual([{ topic: 'realtime:public:notes', event: 'INSERT', payload: { schema: 'public', table: 'notes', type: 'INSERT', errors: ['Error 401: Unauthorized'] }, ref: null }]);
    expect(big.changes()[1]).toMatchObject({ event: 'INSERT', payload: { type: 'INSERT', record: { id: 3, title: 'small' }, errors: ['Error 413: Payload Too Large'] } });
  });

  it('reports a bad topic filter as a system error and keeps the channel joined', async () => {
    const c = await legacyClient('realtime:public:todos:id=nope.1');
    expect(c.frames()[0]!.payload.status).toBe('ok');
    expect(c.frames()[1]!.payload).toEqual({ extension: 'postgres_changes', status: 'error', message: 'Error parsing `filter` params: nope is not a supported operator', channel: 'public:todos:id=nope.1' });
  });

  it('an empty table in the topic matches no table: a system error, not every table of the schema', async () => {
    const c = await legacyClient('realtime:public:');
    expect(c.frames()[1]!.payload).toMatchObject({ status: 'error', message: 'Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: *, schema: public, table: , filters: [], select: nil]' });
  });
});
