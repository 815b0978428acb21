// The management API end to end: CRUD through tenant-admin, secrets encrypted at rest and never
// returned, and every change reaching the gateways through realtime.tenants (a deleted tenant's
// sockets are drained with 1012 and new connections get 404).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { waitFor } from '@realtime/testing';
import { createDatabase, waitForTenant, waitForTenantGone, type Stack } from '@realtime/testing/stack';
import { adminFetch, client, closeClients, startE2eStack, subscribed, tenantBody, token } from './support/fixture.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startE2eStack({ gateways: 1 });
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
});

describe('tenant API', () => {
  it('refuses requests without a valid admin token with an empty 403', async () => {
    for (const t of ['', 'garbage', await token('not-the-api-secret', {})]) {
      const res = await fetch(`${stack.admin.url}/api/tenants`, { headers: t ? { authorization: `Bearer ${t}` } : {} });
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('');
    }
  });

  it('creates, reads, updates and deletes a tenant; secrets stay encrypted and hidden', async () => {
    const id = `crud${randomBytes(4).toString('hex')}`;
    const secret = `jwt-${randomBytes(12).toString('hex')}`;
    const dbUrl = await createDatabase(inject('infra').pgUrl, `${id}_db`);
    const created = await adminFetch(stack, '/api/tenants', { method: 'POST', body: { tenant: tenantBody(id, secret, dbUrl) } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/tenants/${id}`);
    const createdText = await created.text();
    expect(createdText).not.toContain(secret);
    expect(createdText).not.toContain('db_password');

    const got = await adminFetch(stack, `/api/tenants/${id}`);
    const { data } = (await got.json()) as { data: Record<string, any> };
    expect(data).toMatchObject({
      external_id: id, name: id, max_concurrent_users: 200, max_events_per_second: 100, private_only: false,
      max_recovery_events: 10_000, max_recovery_bytes: 16_777_216,
    });
    expect(data.extensions[0].settings).toMatchObject({ db_name: `${id}_db`, region: 'local' });
    expect(JSON.stringify(data)).not.toContain(secret);
    expect(data.extensions[0].settings.db_password).toBeUndefined();
    const list = await (await adminFetch(stack, '/api/tenants')).text();
    expect(list).toContain(id);
    expect(list).not.toContain(secret);

    const control = new pg.Client({ connectionString: stack.controlDbUrl });
    await control.connect();
    try {
      const row = (await control.query(`select t.jwt_secret, e.settings from _realtime.tenants t join _realtime.extensions e on e.tenant_external_id = t.external_id where t.external_id = $1`, [id])).rows[0];
      expect(row.jwt_secret).toMatch(/^g1:/);
      expect(row.jwt_secret).not.toContain(secret);
      expect(row.settings.db_password).toMatch(/^g1:/);
    } finally {
      await control.end();
    }

    // tenant-admin migrated the tenant database right after the create.
    const tenantDb = new pg.Client({ connectionString: dbUrl });
    await tenantDb.connect();
    try {
      await waitFor(async () => expect((await tenantDb.query(`SELECT count(*)::int AS n FROM pg_publication WHERE pubname = 'supabase_realtime_messages_publication'`)).rows[0].n).toBe(1));
      expect((await tenantDb.query(`SELECT to_regclass('realtime.messages') IS NOT NULL AS ok`)).rows[0].ok).toBe(true);
    } finally {
      await tenantDb.end();
    }

    await waitForTenant(stack, id);
    const key = await token(secret);
    const channel = client(stack.gateways[0]!.port, id, key).channel('crud');
    await subscribed(channel);

    const updated = await adminFetch(stack, `/api/tenants/${id}`, { method: 'PATCH', body: { tenant: { max_concurrent_users: 7 } } });
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as any).data.max_concurrent_users).toBe(7);

    const invalid = await adminFetch(stack, '/api/tenants', { method: 'POST', body: { tenant: { external_id: 'x', max_events_per_second: -1 } } });
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as any).errors).toBeTypeOf('object');

    // Recovery caps: set within their bounds, refused beyond them (the stored ones stay).
    const capped = await adminFetch(stack, `/api/tenants/${id}`, { method: 'PATCH', body: { tenant: { max_recovery_events: 500, max_recovery_bytes: 1_048_576 } } });
    expect(((await capped.json()) as any).data).toMatchObject({ max_recovery_events: 500, max_recovery_bytes: 1_048_576 });
    const unbounded = await adminFetch(stack, `/api/tenants/${id}`, { method: 'PATCH', body: { tenant: { max_recovery_events: 10_000_000, max_recovery_bytes: 0 } } });
    expect(unbounded.status).toBe(422);
    expect(Object.keys(((await unbounded.json()) as any).errors).sort()).toEqual(['max_recovery_bytes', 'max_recovery_events']);
    expect(((await (await adminFetch(stack, `/api/tenants/${id}`)).json()) as any).data).toMatchObject({ max_recovery_events: 500, max_recovery_bytes: 1_048_576 });

    const system: any[] = [];
    channel.on('system', {}, (m) => void system.push(m));
    expect((await adminFetch(stack, `/api/tenants/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await adminFetch(stack, `/api/tenants/${id}`)).status).toBe(404);
    await waitForTenantGone(stack, id);
    await waitFor(() => expect(system).toContainEqual(expect.objectContaining({ message: 'Server requested disconnect' })));
    expect((await adminFetch(stack, `/api/tenants/${id}`, { method: 'DELETE' })).status).toBe(204);
  });
});
