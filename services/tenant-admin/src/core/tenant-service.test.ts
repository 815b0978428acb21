import { describe, expect, it } from 'vitest';
import type { DbTarget, TenantDbStatus, TenantStore } from '../ports.ts';
import type { TenantRow } from './tenant.ts';
import { parseTenantBody, type TenantInput } from './tenant-input.ts';
import { createTenantService } from './tenant-service.ts';
import { createBody, DB_PASSWORD, defaults, key, rowFrom } from './test-fixtures.ts';

/** In-memory TenantStore: enough to drive the use cases; the pg one is covered by the int test. */
function memoryStore(): TenantStore & { outbox: string[] } {
  const rows = new Map<string, TenantRow>();
  const outbox: string[] = [];
  return {
    outbox,
    list: async () => [...rows.values()],
    get: async (id) => rows.get(id) ?? null,
    async upsert(id, decide) {
      const existing = rows.get(id) ?? null;
      const d = decide(existing);
      if ('reject' in d) return d;
      const row = rowFrom(d.write, existing ? { id: existing.id, version: existing.version + 1 } : {});
      rows.set(id, row);
      outbox.push(id);
      return { created: existing === null, row };
    },
    async delete(id) { rows.delete(id); outbox.push(id); },
    async bumpReload(id) {
      const row = rows.get(id);
      if (!row) return false;
      row.reload_seq += 1;
      outbox.push(id);
      return true;
    },
  };
}

function input(body: unknown): TenantInput {
  const p = parseTenantBody(body);
  if (!p.ok) throw new Error('invalid');
  return p.input;
}

/** The fake probe answers `status` (a reachable database whose slot is streamed, by default). */
function setup(status: TenantDbStatus = { connected: true, replicating: true }) {
  const store = memoryStore();
  const probed: DbTarget[] = [];
  const service = createTenantService({ store, defaults, key, node: 'node-1', probe: { check: async (t) => { probed.push(t); return status; } } });
  return { store, service, probed };
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
      healthy: true, db_connected: true, replication_connected: true, connected_cluster: 0, region: 'us-east-1', node: 'node-1',
    });
    expect(probed).toEqual([{ host: 'db.example', port: 5432, database: 'postgres', user: 'supabase_admin', password: DB_PASSWORD }]);
    expect(await service.health('nobody')).toBeNull();
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
