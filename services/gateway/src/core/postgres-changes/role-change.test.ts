// A refreshed token with another role (docs/PROTOCOL.md §3.6): the postgres_changes bindings are checked again
// for that role, and a filter on a column the new role may not SELECT is refused like at join.
import { beforeEach, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import type { ChangeEvent } from '@realtime/schemas';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway } from '../../../test/support.ts';

const secret = tenant().jwtSecret!;
const cols = [{ name: 'id', type: 'int8' }, { name: 'owner', type: 'text' }];
let db: MemoryTenantDatabase;
let t: ReturnType<typeof testGateway>;
let lsn = 100;

beforeEach(() => {
  db = new MemoryTenantDatabase();
  db.addTable({ table: 'todos', columns: cols, pk: [{ name: 'id', type: 'bigint' }], rls: false });
  db.revoked.set('public.todos.anon', new Set(['owner'])); // anon may not SELECT (so not filter on) owner
  t = testGateway(undefined, db);
  t.tenants.put(tenant());
});

const sign = (role: string, sub = 'u1') =>
  new SignJWT({ role, sub, exp: Math.floor(t.clock.now() / 1000) + 3600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};

async function joined(role: string) {
  const token = await sign(role);
  const socket = new MemorySocket(`s${Math.random()}`);
  const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role });
  const send = async (frame: unknown[]) => {
    await t.gateway.receive(conn, JSON.stringify(frame));
    await settle();
  };
  await send(['1', '1', 'realtime:db', 'phx_join', { config: { postgres_changes: [{ event: 'INSERT', schema: 'public', table: 'todos', filter: 'owner=eq.u1' }] }, access_token: token }]);
  const system = () => (socket.json() as unknown[][]).filter((f) => f[3] === 'system').map((f) => f[4] as { status: string; message: string });
  const changes = () => (socket.json() as unknown[][]).filter((f) => f[3] === 'postgres_changes');
  const refresh = async (nextRole: string, sub = 'u1') => send(['1', '9', 'realtime:db', 'access_token', { access_token: await sign(nextRole, sub) }]);
  return { system, changes, refresh };
}

async function insert(id: number) {
  lsn += 10;
  const record = { id, owner: 'u1' };
  db.tables.get('public.todos')!.rows.push(record);
  const event: ChangeEvent = {
    tenant: 'acme', schema: 'public', table: 'todos', type: 'INSERT', commit_timestamp: 1_760_000_000_000_000, commit_lsn: `0/${lsn.toString(16)}`, commit_lsn_num: lsn, xid: lsn, seq: 0,
    columns: cols.map((c) => ({ ...c, type_oid: 0 })), record_json: JSON.stringify(record), old_record_json: null, pk_columns: ['id'], toast_unchanged: [], truncated: false, relation_id: 1,
  };
  t.gateway.changes.receive(event);
  await t.gateway.changes.idle();
}

const refused = 'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [event: INSERT, schema: public, table: todos, filters: [{"owner", "eq", "u1"}], select: nil]. Exception: invalid column for filter owner';

describe('postgres_changes after a token refresh', () => {
  it('refuses a filter the new role may not use, and stops delivering', async () => {
    const c = await joined('authenticated');
    expect(c.system()).toEqual([expect.objectContaining({ status: 'ok', message: 'Subscribed to PostgreSQL' })]);
    await insert(1);
    expect(c.changes()).toHaveLength(1);
    await c.refresh('anon');
    expect(c.system().at(-1)).toEqual(expect.objectContaining({ status: 'error', message: refused }));
    await insert(2);
    expect(c.changes()).toHaveLength(1);
  });

  it('subscribes a binding the new role may use, refused at join for the old one', async () => {
    const c = await joined('anon');
    expect(c.system()).toEqual([expect.objectContaining({ status: 'error', message: refused })]);
    await c.refresh('authenticated');
    expect(c.system().at(-1)).toEqual(expect.objectContaining({ status: 'ok', message: 'Subscribed to PostgreSQL' }));
    await insert(3);
    expect(c.changes()).toHaveLength(1);
  });

  it('checks nothing again when the role stays the same', async () => {
    const c = await joined('authenticated');
    const before = c.system().length;
    await c.refresh('authenticated', 'u2');
    expect(c.system()).toHaveLength(before);
  });
});
