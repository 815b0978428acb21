import { describe, expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import type { DbTarget, TenantDbStatus, TenantStore } from '../ports.ts';
import type { TenantRow } from './tenant.ts';
import { parseTenantBody, type TenantInput } from './tenant-input.ts';
import { createTenantService, type TenantServiceDeps } from './tenant-service.ts';
import type { MigrationScheduler } from './migration-scheduler.ts';
import { createBody, DB_PASSWORD, defaults, key, rowFrom } from '../../test/fixtures.ts';

/** In-memory TenantStore: enough to drive the use cases; the pg one is covered by the int test. */
function memoryStore(): TenantStore & { outbox: string[] } {
  const rows = new Map<string, TenantRow>();
  const outbox: string[] = [];
  return {
    outbox,
    list: async () => [...rows.values()],
    count: async () => rows.size,
    get: async (id) => rows.get(id) ?? null,
    async upsert(id, decide) {
      const existing = rows.get(id) ?? null;
      const d = decide(existing);
      if ('reject' in d) return d;
      const row = rowFrom(d.write, existing ? { id: existing.id, version: existing.version + 1, reload_seq: existing.reload_seq, shutdown_seq: existing.shutdown_seq, migrations_ran: existing.migrations_ran } : {});
      rows.set(id, row);
      outbox.push(id);
      return { created: existing === null, row };
    },
    async delete(id) { rows.delete(id); outbox.push(id); },
    async bump(id, counter) {
      const row = rows.get(id);
      if (!row) return false;
      if (counter === 'reload') row.reload_seq += 1;
      else row.shutdown_seq += 1;
      outbox.push(id);
      return true;
    },
    async setMigrationsRan(id, count) {
      const row = rows.get(id);
      if (row) row.migrations_ran = count;
    },
  };
}

function input(body: unknown): TenantInput {
  const p = parseTenantBody(body);
  if (!p.ok) throw new Error('invalid');
  return p.input;
}

/** The fake probe answers `status` (a reachable database whose slot is streamed, by default). */
function setup(status: TenantDbStatus = { connected: true, replicating: true }, extra: Partial<TenantServiceDeps> = {}) {
  const store = memoryStore();
  const probed: DbTarget[] = [];
  const service = createTenantService({ store, defaults, key, node: 'node-1', probe: { check: async (t) => { probed.push(t); return status; } }, ...extra });
  return { store, service, probed };
}

/** A scheduler whose runs the test settles by hand. */
function manualMigrations() {
  const runs: { first(ok: boolean): void; done(n: number | null): void }[] = [];
  const scheduler: MigrationScheduler = {
    schedule() {
      const run = { first: (_: boolean) => {}, done: (_: number | null) => {} };
      runs.push(run);
      return { first: new Promise<boolean>((r) => (run.first = r)), done: new Promise<number | null>((r) => (run.done = r)) };
    },
    cancel() {},
    close() {},
  };
  return { scheduler, runs };
}

describe('tenant service', () => {
  it('creates, then updates, writing an outbox entry each time', async () => {
    const { service, store } = setup();
    expect(await service.upsert('acme', input(createBody()))).toMatchObject({ kind: 'created', tenant: { external_id: 'acme' } });
    expect(await service.upsert('acme', input({ tenant: { name: 'New' } }))).toMatchObject({ kind: 'updated', tenant: { name: 'New' } });
    expect(await service.upsert('acme', input({ tenant: { jwt_secret: null } }))).toMatchObject({ kind: 'invalid', errors: { jwt_secret: expect.any(Array) } });
    expect(store.outbox).toEqual(['acme', 'acme']);
  });

  it('reports health with the decrypted connection settings', async () => {
    const { service, probed } = setup();
    await service.upsert('acme', input(createBody()));
    expect(await service.health('acme')).toEqual({
      healthy: true, db_connected: true, replication_connected: true, connected_cluster: 0, region: 'us-east-1', node: 'node-1', migrated: true,
    });
    expect(probed).toEqual([{ host: 'db.example', port: 5432, database: 'postgres', user: 'supabase_admin', password: DB_PASSWORD }]);
    expect(await service.health('nobody')).toBeNull();
  });

  it('reads the replication slots with the decrypted connection settings; an unreadable database says why', async () => {
    const slot = { slot_name: 'supabase_realtime_replication_slot', active: true, lag_bytes: 10, lag_seconds: null, confirmed_flush_lsn: '0/1', owner: null };
    const read: DbTarget[] = [];
    let fail = false;
    const { service } = setup(undefined, { slots: { read: async (t) => { read.push(t); if (fail) throw new Error('connect ECONNREFUSED'); return [slot]; } } });
    await service.upsert('acme', input(createBody()));
    expect(await service.replication('acme')).toEqual({ db_connected: true, slots: [slot] });
    expect(read).toEqual([{ host: 'db.example', port: 5432, database: 'postgres', user: 'supabase_admin', password: DB_PASSWORD }]);
    fail = true;
    expect(await service.replication('acme')).toEqual({ db_connected: false, error: 'connect ECONNREFUSED', slots: [] });
    expect(await service.replication('nobody')).toBeNull();
  });

  it('is unhealthy when the tenant DB refuses', async () => {
    const { service } = setup({ connected: false, replicating: false });
    await service.upsert('acme', input(createBody()));
    expect(await service.health('acme')).toMatchObject({ healthy: false, db_connected: false, replication_connected: false });
  });

  it('is unhealthy when the DB answers but no worker streams its replication slot', async () => {
    const { service } = setup({ connected: true, replicating: false });
    await service.upsert('acme', input(createBody()));
    expect(await service.health('acme')).toMatchObject({ healthy: false, db_connected: true, replication_connected: false });
  });

  it('never reports replication without a database connection', async () => {
    const { service } = setup({ connected: false, replicating: true });
    await service.upsert('acme', input(createBody()));
    expect(await service.health('acme')).toMatchObject({ healthy: false, db_connected: false, replication_connected: false });
  });

  it('does not probe a tenant without a CDC extension, and calls it unhealthy', async () => {
    const { service, probed } = setup();
    await service.upsert('acme', input(createBody({ extensions: [] })));
    expect(await service.health('acme')).toMatchObject({ healthy: false, db_connected: false, replication_connected: false, region: null });
    expect(probed).toEqual([]);
  });

  it('answers a create as migrated only once the first migration run succeeded within the wait', async () => {
    const m = manualMigrations();
    const { service, store } = setup(undefined, { migrations: m.scheduler, migrationCount: 2, createWaitMs: 60_000 });
    const pending = service.upsert('acme', input(createBody()));
    await waitFor(() => expect(m.runs).toHaveLength(1));
    m.runs[0]!.first(true);
    m.runs[0]!.done(2);
    expect(await pending).toMatchObject({ kind: 'created', migrated: true });
    await waitFor(async () => expect((await store.get('acme'))!.migrations_ran).toBe(2));
    expect(await service.health('acme')).toMatchObject({ migrated: true });

    const failing = service.upsert('beta', input(createBody({ external_id: 'beta' })));
    await waitFor(() => expect(m.runs).toHaveLength(2));
    m.runs[1]!.first(false); // retries go on in the background
    expect(await failing).toMatchObject({ kind: 'created', migrated: false });
    expect(await service.health('beta')).toMatchObject({ migrated: false });
    expect(await service.upsert('beta', input({ tenant: { name: 'B' } }))).toEqual(expect.objectContaining({ kind: 'updated' })); // an update never waits

    // acme moves to another database: not migrated until a run there succeeds
    await service.upsert('acme', input({ tenant: { name: 'Renamed' } }));
    expect(await service.health('acme')).toMatchObject({ migrated: true });
    await service.upsert('acme', input({ tenant: { extensions: [{ type: 'postgres_cdc_rls', settings: { db_port: '6543' } }] } }));
    expect(await service.health('acme')).toMatchObject({ migrated: false });
  });

  it('gives up waiting for migrations after createWaitMs', async () => {
    const m = manualMigrations();
    const { service } = setup(undefined, { migrations: m.scheduler, migrationCount: 2, createWaitMs: 20 });
    expect(await service.upsert('acme', input(createBody()))).toMatchObject({ kind: 'created', migrated: false });
  });

  it('reports connected_cluster from the connected-users source', async () => {
    const { service } = setup(undefined, { users: { connected: (t) => (t === 'acme' ? 3 : 0), summary: () => ({ gateways: 1, users: 3, tenants: 1 }) } });
    await service.upsert('acme', input(createBody()));
    expect(await service.health('acme')).toMatchObject({ connected_cluster: 3 });
  });

  it('shutdown bumps shutdown_seq only, and is false for an unknown tenant', async () => {
    const { service, store } = setup();
    expect(await service.shutdown('nobody')).toBe(false);
    await service.upsert('acme', input(createBody()));
    expect(await service.shutdown('acme')).toBe(true);
    expect(await store.get('acme')).toMatchObject({ shutdown_seq: 1, reload_seq: 0 });
    expect(store.outbox).toEqual(['acme', 'acme']);
  });

  it('reload is false for an unknown tenant', async () => {
    const { service, store } = setup();
    expect(await service.reload('nobody')).toBe(false);
    await service.upsert('acme', input(createBody()));
    expect(await service.reload('acme')).toBe(true);
    expect((await store.get('acme'))!.reload_seq).toBe(1);
  });

  it('encrypts JWK key material a tenant stored in clear before, once, and republishes it', async () => {
    const { store, service } = setup();
    const k = 'b2xkLWNsZWFyLWhtYWMta2V5LWZyb20tYmVmb3Jl';
    await service.upsert('acme', input(createBody()));
    await service.upsert('other', input(createBody({ external_id: 'other' })));
    const stored = (await store.get('acme'))!;
    stored.jwt_jwks = { keys: [{ kty: 'oct', kid: 'legacy', k }] }; // as an older version wrote it
    store.outbox.length = 0;
    expect(await service.encryptStoredJwks()).toEqual(['acme']);
    const after = (await store.get('acme'))!.jwt_jwks as { keys: Record<string, string>[] };
    expect(after.keys[0]!.kid).toBe('legacy');
    expect(after.keys[0]!.k).toMatch(/^g1:/);
    expect(JSON.stringify(after)).not.toContain(k);
    expect(store.outbox).toEqual(['acme']);
    expect(await service.encryptStoredJwks()).toEqual([]);
  });
});

