import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import type { ChangeEvent } from '@realtime/schemas';
import { MemorySocket, MemoryTenantDatabase, ownedTodosAndNotes, tenant, testGateway } from '../../../test/support.ts';
import { MemoryRecoveryLog } from '../../../test/recovery-log.ts';
import { RLS_BATCH } from './changes.ts';

const secret = tenant().jwtSecret!;
const cols = [{ name: 'id', type: 'int8' }, { name: 'owner', type: 'text' }, { name: 'title', type: 'text' }];
let db: MemoryTenantDatabase;
let log: MemoryRecoveryLog;
let t: ReturnType<typeof testGateway>;
let lsn = 100;

beforeEach(() => {
  db = ownedTodosAndNotes(cols);
  log = new MemoryRecoveryLog();
  t = testGateway(undefined, db, undefined, { recoveryLog: log });
  t.tenants.put(tenant());
});

function change(table: string, record: Record<string, unknown>, tenantId = 'acme'): ChangeEvent {
  lsn += 10;
  return {
    tenant: tenantId, schema: 'public', table, type: 'INSERT', commit_timestamp: lsn * 1000, commit_lsn: `0/${lsn.toString(16)}`, commit_lsn_num: lsn, xid: lsn, seq: 0,
    columns: cols.map((c) => ({ ...c, type_oid: 0 })), record_json: JSON.stringify(record), old_record_json: null,
    pk_columns: ['id'], toast_unchanged: [], truncated: false, relation_id: 1,
  };
}

/** Committed: the row is in the table and the event in realtime.cdc. */
function committed(e: ChangeEvent): bigint {
  if (e.tenant === 'acme') db.tables.get(`public.${e.table}`)!.rows.push(JSON.parse(e.record_json!));
  return log.append('cdc', e.tenant, e, e.commit_timestamp / 1000);
}

async function client(sub: string) {
  const exp = t.clock.now() / 1000 + 3600;
  const claims = { role: 'authenticated', sub, exp };
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const socket = new MemorySocket(`s-${sub}-${lsn}`);
  const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, claims);
  const join = (recover?: unknown, bindings: unknown[] = [{ event: '*', schema: 'public' }]) =>
    t.gateway.receive(conn, JSON.stringify(['1', '1', 'realtime:db', 'phx_join', { config: { postgres_changes: bindings, ...(recover === undefined ? {} : { postgres_changes_options: { recover } }) }, access_token: token }]));
  const frames = () => socket.json() as Array<[string | null, string | null, string, string, Record<string, unknown>]>;
  const changes = () => frames().filter((f) => f[3] === 'postgres_changes').map((f) => [((f[4].data as { record: { title: string } }).record.title), f[1]]);
  const system = () => frames().filter((f) => f[3] === 'system' && f[4].extension === 'recovery').map((f) => f[4]);
  return { socket, join, frames, changes, system };
}

describe('postgres_changes recovery', () => {
  it('recovers the missed changes it may see, with their positions as ref, after the subscription', async () => {
    const first = committed(change('todos', { id: 1, owner: 'u1', title: 'seen before' }));
    committed(change('todos', { id: 2, owner: 'u2', title: 'todo 2' }));
    committed(change('todos', { id: 9, owner: 'x', title: 'other tenant' }, 'globex'));
    committed(change('notes', { id: 3, owner: 'u2', title: 'hidden by RLS' }));
    committed(change('notes', { id: 4, owner: 'u1', title: 'my note' }));
    const c = await client('u1');
    await c.join({ position: `c0-${first}` });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.changes()).toEqual([['todo 2', 'c0-1'], ['my note', 'c0-4']]);
    expect(c.system()[0]).toEqual({ extension: 'recovery', status: 'ok', channel: 'db', stream: 'postgres_changes', result: 'complete', recovered: 2, position: 'c0-4', message: expect.any(String) });
    const events = c.frames().map((f) => (f[3] === 'system' ? f[4].extension : f[3]));
    expect(events).toEqual(['phx_reply', 'postgres_changes', 'postgres_changes', 'postgres_changes', 'recovery']); // subscribed, 2 recovered, result
    expect(c.frames()[1]![4]).toMatchObject({ message: 'Subscribed to PostgreSQL' });
  });

  it('no gap and no duplicate at the seam while changes keep coming', async () => {
    const first = committed(change('todos', { id: 1, owner: 'u1', title: 'before' }));
    const inRange = change('todos', { id: 2, owner: 'u1', title: 'in range' });
    const inRangeAt = committed(inRange);
    const c = await client('u1');
    const open = log.hold();
    await c.join({ position: `c0-${first}` });
    await vi.waitFor(() => expect(log.reads).toBeGreaterThan(0));
    const after = change('todos', { id: 3, owner: 'u1', title: 'after E' });
    const afterAt = committed(after);
    t.gateway.changes.receive(inRange, { partition: 0, offset: inRangeAt }); // the live reader sees it too
    t.gateway.changes.receive(after, { partition: 0, offset: afterAt });
    await t.gateway.changes.idle();
    expect(c.changes()).toEqual([]);
    open();
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.changes()).toEqual([['in range', 'c0-1'], ['after E', 'c0-2']]);
  });

  it('live frames carry their position only to recovering channels', async () => {
    const r = await client('u1');
    await r.join({});
    const plain = await client('u1');
    await plain.join();
    await vi.waitFor(() => expect(r.system()).toHaveLength(1));
    expect(r.system()[0]).toMatchObject({ result: 'complete', recovered: 0, position: null });
    const e = change('todos', { id: 5, owner: 'u1', title: 'live' });
    t.gateway.changes.receive(e, { partition: 0, offset: committed(e) });
    await t.gateway.changes.idle();
    expect(r.changes()).toEqual([['live', 'c0-0']]);
    expect(plain.changes()).toEqual([['live', null]]);
    expect(plain.system()).toEqual([]);
  });

  it('checks RLS in batches, not per event', async () => {
    const first = committed(change('todos', { id: 0, owner: 'u1', title: 'start' }));
    for (let i = 1; i <= RLS_BATCH * 2; i++) committed(change('notes', { id: i, owner: i % 2 ? 'u1' : 'u2', title: `n${i}` }));
    const c = await client('u1');
    await c.join({ position: `c0-${first}` });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1), { timeout: 5000 });
    expect(c.system()[0]).toMatchObject({ result: 'complete', recovered: RLS_BATCH });
    expect(db.visibleRowsCalls).toBe(2);
  });

  it('unknown_position for a record of another tenant; unavailable when the tenant database fails, all or nothing', async () => {
    committed(change('todos', { id: 1, owner: 'u1', title: 'a' }));
    const foreign = committed(change('todos', { id: 2, owner: 'x', title: 'b' }, 'globex'));
    committed(change('notes', { id: 3, owner: 'u1', title: 'c' }));
    const c = await client('u1');
    await c.join({ position: `c0-${foreign}` });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.system()[0]).toMatchObject({ result: 'unknown_position', recovered: 0 });

    const d = await client('u1');
    const visible = db.visibleRows.bind(db);
    db.visibleRows = async () => { throw Object.assign(new Error('statement timeout'), { code: 'UnableToConnectToProject' }); };
    await d.join({ position: 'c0-0' });
    await vi.waitFor(() => expect(d.system()).toHaveLength(1));
    db.visibleRows = visible;
    expect(d.system()[0]).toMatchObject({ result: 'unavailable', status: 'error', recovered: 0, position: 'c0-0' });
    expect(d.changes()).toEqual([]);
  });

  it('recovers by commit time', async () => {
    committed(change('todos', { id: 1, owner: 'u1', title: 'old' }));
    const recent = change('todos', { id: 2, owner: 'u1', title: 'recent' });
    committed(recent);
    const c = await client('u1');
    await c.join({ since: new Date(recent.commit_timestamp / 1000).toISOString() });
    await vi.waitFor(() => expect(c.system()).toHaveLength(1));
    expect(c.changes()).toEqual([['recent', 'c0-1']]);
  });

  it('no recovery message without postgres_changes bindings', async () => {
    const c = await client('u1');
    await c.join({ position: 'c0-0' }, []);
    await new Promise((r) => setTimeout(r, 20));
    expect(c.system()).toEqual([]);
  });
});
