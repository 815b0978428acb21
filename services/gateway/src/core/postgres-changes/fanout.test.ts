// One tenant's slow or failing database must cost only that tenant (issue 8, item 9): its queue is
// bounded in bytes, receive() never waits, its channels get the shutdown, other tenants go on.
import { describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { ChangeEvent, TenantDbSettings } from '@realtime/schemas';
import type { Identity, RowKeys, TenantDatabase } from '../../ports.ts';
import { noMetrics } from '../metrics/metrics.ts';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway } from '../../../test/support.ts';

const cols = [{ name: 'id', type: 'int8' }, { name: 'owner', type: 'text' }, { name: 'title', type: 'text' }];

/** A tenant database whose RLS checks wait for `release()` or fail with `failWith`. */
class SlowDatabase extends MemoryTenantDatabase {
  #gate: Promise<void> | null = null;
  #open: () => void = () => {};
  failWith: Error | null = null;
  readonly asked: RowKeys[] = [];
  hold() {
    this.#gate = new Promise((r) => (this.#open = r));
  }
  release() {
    this.#gate = null;
    this.#open();
  }
  override async visibleRows(rows: RowKeys, who: Identity[]) {
    this.asked.push(rows);
    if (this.#gate) await this.#gate;
    if (this.failWith) throw this.failWith;
    return super.visibleRows(rows, who);
  }
}

function database(): SlowDatabase {
  const db = new SlowDatabase();
  db.addTable({ table: 'notes', columns: cols, pk: [{ name: 'id', type: 'bigint' }], rls: true });
  db.addTable({ table: 'todos', columns: cols, pk: [{ name: 'id', type: 'bigint' }], rls: false });
  return db;
}

const settings = (host: string): TenantDbSettings => ({ host, port: 5432, database: 'postgres', user: 'u', password: 'p', publication: 'supabase_realtime', maxRecordBytes: null });

function setup(maxQueueBytes = 64 * 1024) {
  const dbs = new Map<string, SlowDatabase>([['slow', database()], ['acme', database()]]);
  const dropped = { n: 0 };
  const peakBytes = new Map<string, number>();
  const metrics = {
    ...noMetrics, changesDropped: { inc: (n = 1) => void (dropped.n += n) },
    changesQueueBytes: { set: (t: string, b: number) => void peakBytes.set(t, Math.max(peakBytes.get(t) ?? 0, b)) },
  };
  const databases = { get: (t: { externalId: string }): TenantDatabase | null => dbs.get(t.externalId) ?? null, close: async () => {} };
  const t = testGateway(undefined, null, undefined, { databases, metrics, changesQueueBytes: maxQueueBytes });
  for (const id of dbs.keys()) t.tenants.put(tenant({ externalId: id, name: id, db: settings(`${id}.db`) }));
  return { t, dbs, dropped, peakBytes };
}

async function client(t: ReturnType<typeof testGateway>, tenantId: string, table: string) {
  const secret = tenant().jwtSecret!;
  const claims = { role: 'authenticated', sub: 'alice', exp: t.clock.now() / 1000 + 3600 };
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const socket = new MemorySocket(`s${Math.random()}`);
  const conn = t.gateway.attach(socket, tenantId, '2.0.0', token, claims);
  await t.gateway.receive(conn, JSON.stringify(['1', '1', 'realtime:db', 'phx_join', { config: { postgres_changes: [{ event: '*', schema: 'public', table }] }, access_token: token }]));
  await new Promise((r) => setTimeout(r, 0));
  const frames = () => socket.json() as unknown[][];
  return {
    changes: () => frames().filter((f) => f[3] === 'postgres_changes').map((f) => ((f[4] as { data: { record: { id: number } } }).data.record.id)),
    after: () => frames().slice(frames().findIndex((f) => f[3] === 'system' && (f[4] as { status: string }).status === 'ok') + 1).map((f) => [f[3], f[4]]),
  };
}

let lsn = 100;
function change(db: MemoryTenantDatabase, tenantId: string, table: string, id: number, title = 'x'): ChangeEvent {
  lsn += 10;
  const record = { id, owner: 'alice', title };
  db.tables.get(`public.${table}`)!.rows.push(record);
  return {
    tenant: tenantId, schema: 'public', table, type: 'INSERT', commit_timestamp: 1_760_000_000_123_456, commit_lsn: `0/${lsn.toString(16)}`, commit_lsn_num: lsn, xid: lsn, seq: 0,
    columns: cols.map((c) => ({ ...c, type_oid: 0 })), record_json: JSON.stringify(record), old_record_json: null,
    pk_columns: ['id'], toast_unchanged: [], truncated: false, relation_id: 1,
  };
}

const shutdown = ['system', { extension: 'system', status: 'error', message: 'Realtime was unable to connect to the project database', channel: 'db' }];

describe('a stalled tenant database', () => {
  it('bounds its queue in bytes, shuts its channels down past the bound, and never delays another tenant', async () => {
    const { t, dbs, dropped, peakBytes } = setup();
    const slowDb = dbs.get('slow')!;
    const slow = await client(t, 'slow', 'notes');
    const healthy = await client(t, 'acme', 'notes');
    slowDb.hold(); // its RLS check never answers
    const big = 'x'.repeat(1000);
    t.gateway.changes.receive(change(slowDb, 'slow', 'notes', 1, big));
    await new Promise((r) => setImmediate(r)); // the first batch is now waiting on the database
    let returned: unknown = 'not yet';
    for (let i = 2; i <= 200; i++) returned = t.gateway.changes.receive(change(slowDb, 'slow', 'notes', i, big));
    expect(returned).toBeUndefined(); // nothing to wait for: the shared consumer goes straight on
    expect(peakBytes.get('slow')).toBeGreaterThan(48 * 1024); // it did fill up …
    expect(peakBytes.get('slow')).toBeLessThanOrEqual(64 * 1024); // … to its bound and no further
    expect(dropped.n).toBeGreaterThan(0);
    expect(slow.after()).toEqual([shutdown, ['phx_close', {}]]);
    expect(t.gateway.changes.subscriberCount('slow')).toBe(0);

    for (let i = 1; i <= 3; i++) t.gateway.changes.receive(change(dbs.get('acme')!, 'acme', 'notes', i));
    await vi.waitFor(() => expect(healthy.changes()).toEqual([1, 2, 3]));

    slowDb.release(); // the batch that was in flight answers late: its channel is gone, nothing is sent
    await t.gateway.changes.idle();
    expect(slow.changes()).toEqual([]);
  });

  it('shuts down only the channels that miss a batch the database failed, and keeps the tenant\'s others', async () => {
    const { t, dbs, dropped } = setup();
    const db = dbs.get('slow')!;
    const notes = await client(t, 'slow', 'notes');
    const todos = await client(t, 'slow', 'todos');
    db.failWith = new RealtimeError(ErrorCodes.QueryCanceled, 'canceling statement due to statement timeout');
    t.gateway.changes.receive(change(db, 'slow', 'notes', 1));
    await t.gateway.changes.idle();
    expect(notes.after()).toEqual([shutdown, ['phx_close', {}]]);
    expect(dropped.n).toBe(1);
    t.gateway.changes.receive(change(db, 'slow', 'todos', 2)); // no RLS on todos: no database check
    await t.gateway.changes.idle();
    expect(todos.changes()).toEqual([2]);
    expect(todos.after().map((f) => f[0])).toEqual(['postgres_changes']);
  });
});

describe('a tenant whose events limit is tripped', () => {
  it('has its changes consumed and dropped (counted) until it lifts, while other tenants receive theirs', async () => {
    const dropped = { n: 0 };
    const { t, dbs } = setup();
    Object.assign(t.gateway.deps.metrics, { rateLimitedDropped: { inc: (_kind: string, n = 1) => void (dropped.n += n) } });
    const limited = await client(t, 'acme', 'todos');
    const other = await client(t, 'slow', 'todos');
    const throttle = (throttled: boolean) => t.gateway.global.apply('acme:events_per_second', { tenant: 'acme', limit: 'events_per_second', throttled, rate: 150, max: 100, until: null, decided_at: t.clock.now() });
    throttle(true);
    t.gateway.changes.receive(change(dbs.get('acme')!, 'acme', 'todos', 1));
    t.gateway.changes.receive(change(dbs.get('slow')!, 'slow', 'todos', 1));
    await t.gateway.changes.idle();
    expect(limited.changes()).toEqual([]);
    expect(other.changes()).toEqual([1]);
    expect(dropped.n).toBe(1);
    throttle(false);
    t.gateway.changes.receive(change(dbs.get('acme')!, 'acme', 'todos', 2));
    await t.gateway.changes.idle();
    expect(limited.changes()).toEqual([2]);
  });

  it('trips on its own count of changes delivered (the reference\'s db events), judged at a tick', async () => {
    const { t, dbs } = setup();
    t.tenants.put(tenant({ externalId: 'acme', name: 'acme', db: settings('acme.db'), limits: { ...tenant().limits, maxEventsPerSecond: 1 } }));
    const limited = await client(t, 'acme', 'todos');
    for (let i = 1; i <= 10; i++) t.gateway.changes.receive(change(dbs.get('acme')!, 'acme', 'todos', i));
    await t.gateway.changes.idle();
    expect(limited.changes()).toHaveLength(10); // nothing decided before the tick
    t.clock.advance(5_000); // [10, 0] → 1/s >= 1
    t.gateway.changes.receive(change(dbs.get('acme')!, 'acme', 'todos', 11));
    await t.gateway.changes.idle();
    expect(limited.changes()).toHaveLength(10);
  });
});

describe('the RLS check of a batch', () => {
  it('names the changes\' transactions, so the database waits until they are visible', async () => {
    const { t, dbs } = setup();
    const db = dbs.get('acme')!;
    const c = await client(t, 'acme', 'notes');
    const [a, b] = [change(db, 'acme', 'notes', 1), change(db, 'acme', 'notes', 2)];
    t.gateway.changes.receive(a);
    t.gateway.changes.receive(b);
    await t.gateway.changes.idle();
    expect(db.asked.map((r) => r.xids)).toEqual([[a.xid, b.xid]]);
    expect(c.changes()).toEqual([1, 2]);
  });
});

describe('a deleted tenant', () => {
  it('has its database connections released', () => {
    const released: string[] = [];
    const databases = { get: () => null, release: (id: string) => void released.push(id), close: async () => {} };
    const t = testGateway(undefined, null, undefined, { databases });
    t.tenants.put(tenant());
    t.tenants.put(tenant({ name: 'renamed' }));
    expect(released).toEqual([]);
    t.tenants.put(undefined, 'acme');
    expect(released).toEqual(['acme']);
  });
});

describe('CDC de-duplication', () => {
  it('starts over when the tenant moves to another database, whose LSNs start again from low values', async () => {
    const { t, dbs } = setup();
    const db = dbs.get('acme')!;
    const first = await client(t, 'acme', 'todos');
    t.gateway.changes.receive({ ...change(db, 'acme', 'todos', 1), commit_lsn_num: 1_000_000 });
    await t.gateway.changes.idle();
    expect(first.changes()).toEqual([1]);

    t.tenants.put(tenant({ externalId: 'acme', name: 'acme', db: settings('other.db') })); // drains the sockets (1012)
    const second = await client(t, 'acme', 'todos');
    t.gateway.changes.receive({ ...change(db, 'acme', 'todos', 2), commit_lsn_num: 500 });
    await t.gateway.changes.idle();
    expect(second.changes()).toEqual([2]);
  });

  it('starts over for a tenant deleted and made again under the same id', async () => {
    const { t, dbs } = setup();
    const db = dbs.get('acme')!;
    await client(t, 'acme', 'todos');
    t.gateway.changes.receive({ ...change(db, 'acme', 'todos', 1), commit_lsn_num: 1_000_000 });
    await t.gateway.changes.idle();
    t.tenants.put(undefined, 'acme');
    t.tenants.put(tenant({ externalId: 'acme', name: 'acme', db: settings('acme.db') }));
    const c = await client(t, 'acme', 'todos');
    t.gateway.changes.receive({ ...change(db, 'acme', 'todos', 2), commit_lsn_num: 500 });
    await t.gateway.changes.idle();
    expect(c.changes()).toEqual([2]);
  });

  it('keeps its watermark when only other tenant settings change', async () => {
    const { t, dbs } = setup();
    const db = dbs.get('acme')!;
    await client(t, 'acme', 'todos');
    t.gateway.changes.receive({ ...change(db, 'acme', 'todos', 1), commit_lsn_num: 1_000_000 });
    await t.gateway.changes.idle();
    t.tenants.put(tenant({ externalId: 'acme', name: 'acme', db: { ...settings('acme.db'), password: 'rotated' } }));
    const c = await client(t, 'acme', 'todos');
    t.gateway.changes.receive({ ...change(db, 'acme', 'todos', 2), commit_lsn_num: 500 }); // a replay from before: a duplicate
    await t.gateway.changes.idle();
    expect(c.changes()).toEqual([]);
  });
});

describe('the gateway-wide bound of all tenants\' queues', () => {
  it('stops the tenant holding the most when the total would pass it, and takes the other tenant\'s change', async () => {
    const dbs = new Map<string, SlowDatabase>([['slow', database()], ['acme', database()]]);
    const databases = { get: (x: { externalId: string }): TenantDatabase | null => dbs.get(x.externalId) ?? null, close: async () => {} };
    // Each tenant may hold 64 KiB, both together only 48 KiB.
    const t = testGateway(undefined, null, undefined, { databases, changesQueueBytes: 64 * 1024, changesTotalQueueBytes: 48 * 1024 });
    for (const id of dbs.keys()) t.tenants.put(tenant({ externalId: id, name: id, db: settings(`${id}.db`) }));
    const slow = await client(t, 'slow', 'notes');
    const healthy = await client(t, 'acme', 'notes');
    dbs.get('slow')!.hold();
    const big = 'x'.repeat(1000);
    t.gateway.changes.receive(change(dbs.get('slow')!, 'slow', 'notes', 1, big));
    await new Promise((r) => setImmediate(r));
    for (let i = 2; i <= 30; i++) t.gateway.changes.receive(change(dbs.get('slow')!, 'slow', 'notes', i, big)); // ~40 KiB: under both bounds
    expect(slow.after()).toEqual([]);
    for (let i = 1; i <= 12; i++) t.gateway.changes.receive(change(dbs.get('acme')!, 'acme', 'notes', i, big)); // passes the total
    expect(slow.after()).toEqual([shutdown, ['phx_close', {}]]);
    await vi.waitFor(() => expect(healthy.changes()).toEqual(Array.from({ length: 12 }, (_, i) => i + 1)));
    dbs.get('slow')!.release();
  });
});

describe('a bytea primary key', () => {
  it('is looked up as bytea text (\\x…), though the record carries it as bare hex (docs/PROTOCOL.md §6)', async () => {
    const { t, dbs } = setup();
    const db = dbs.get('acme')!;
    const blobCols = [{ name: 'id', type: 'bytea' }, { name: 'owner', type: 'text' }];
    db.addTable({ table: 'blobs', columns: blobCols, pk: [{ name: 'id', type: 'bytea' }], rls: true });
    db.tables.get('public.blobs')!.rows.push({ id: '\\x00ff', owner: 'alice' }); // as Postgres prints it
    const c = await client(t, 'acme', 'blobs');
    t.gateway.changes.receive({
      ...change(db, 'acme', 'notes', 1), table: 'blobs', columns: blobCols.map((x) => ({ ...x, type_oid: 0 })),
      record_json: JSON.stringify({ id: '00ff', owner: 'alice' }),
    });
    await t.gateway.changes.idle();
    expect(db.asked.at(-1)!.keys).toEqual([['\\x00ff']]);
    expect(c.changes()).toEqual(['00ff']);
  });
});
