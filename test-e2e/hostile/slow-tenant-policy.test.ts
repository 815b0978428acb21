// Hostile scenario: a tenant whose RLS policy sleeps 10 s per row, next to a healthy tenant on the
// same gateways and the same realtime.cdc consumer. The slow tenant's changes are cut by the
// statement timeout and the byte bound of its queue; its postgres_changes channels get the
// "unable to connect to the project database" shutdown; the healthy tenant's changes, a broadcast
// between the two gateways and /api/ping go on as if nothing happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { startPostgres, waitFor, type PgServer } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { client, closeClients, collect, createTenant, startE2eStack, subscribed, token, type TenantInfo } from '../support/fixture.ts';
import { asChange, changesReady, tenantDb, type Change } from '../support/changes.ts';
import { waitForSlotStreaming } from '../support/cdc.ts';

const QUEUE_BYTES = 256 * 1024;
let stack: Stack;
let slow: TenantInfo;
let healthy: TenantInfo;
let slowDb: pg.Client;
let healthyDb: pg.Client;
let ownServer: PgServer;

beforeAll(async () => {
  stack = await startE2eStack({
    gateways: 2, ingestCdc: true,
    gatewayEnv: { GATEWAY_CHANGES_QUEUE_BYTES: String(QUEUE_BYTES), GATEWAY_TENANT_DB_STATEMENT_TIMEOUT_MS: '2000' },
  });
  // Replication slot names are per Postgres server: the slow tenant gets a server of its own (as a
  // real project has), so both tenants replicate at once.
  ownServer = await startPostgres();
  slow = await createTenant(stack, {}, ownServer.url);
  healthy = await createTenant(stack);
  [slowDb, healthyDb] = await Promise.all([tenantDb(slow.dbUrl), tenantDb(healthy.dbUrl)]);
  const table = (policy: string) => `CREATE TABLE notes (id bigint PRIMARY KEY, body text);
    ALTER TABLE notes ENABLE ROW LEVEL SECURITY; GRANT SELECT ON notes TO authenticated;
    CREATE POLICY p ON notes FOR SELECT TO authenticated USING (${policy});
    ALTER PUBLICATION supabase_realtime ADD TABLE notes`;
  await slowDb.query(table('pg_sleep(10) IS NOT NULL'));
  await healthyDb.query(table('true'));
  await Promise.all([waitForSlotStreaming(slowDb), waitForSlotStreaming(healthyDb)]);
}, 120_000);
afterAll(async () => {
  await closeClients();
  await Promise.all([slowDb?.end(), healthyDb?.end()]);
  await stack?.stop();
  await ownServer?.stop();
});

async function subscriber(port: number, tenant: TenantInfo) {
  const key = await token(tenant.jwtSecret, { role: 'authenticated', sub: randomUUID() });
  const changes: Change[] = [];
  const system: Array<{ extension?: string; status?: string; message?: string }> = [];
  const channel = client(port, tenant.externalId, key).channel(`notes-${randomUUID()}`)
    .on('postgres_changes', { event: '*', schema: 'public', table: 'notes' }, (p) => void changes.push(asChange(p)))
    .on('system', {}, (m: (typeof system)[number]) => void system.push(m));
  await changesReady(channel);
  return { changes, system, channel };
}

async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await token(stack.metricsJwtSecret, {})}` } })).text();
}
const metric = (text: string, name: string, labels = '') =>
  [...text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))].filter((m) => (m[1] ?? '').includes(labels)).reduce((n, m) => n + Number(m[2]), 0);

describe('a tenant with pg_sleep in its RLS policy', () => {
  it('costs only itself: its channels get the error, the healthy tenant and the gateways go on', async () => {
    const [slowSub, healthySub] = await Promise.all([subscriber(stack.gateways[0]!.port, slow), subscriber(stack.gateways[0]!.port, healthy)]);
    const healthyKey = await token(healthy.jwtSecret);
    const sender = client(stack.gateways[0]!.port, healthy.externalId, healthyKey).channel('room');
    const receiver = client(stack.gateways[1]!.port, healthy.externalId, healthyKey).channel('room');
    const broadcasts = collect(receiver, 'msg');
    await Promise.all([subscribed(sender), subscribed(receiver)]);

    // 5000 changes of the slow tenant: its first RLS check sleeps, its queue passes the bound.
    await slowDb.query(`INSERT INTO notes SELECT i, repeat('x', 100) FROM generate_series(1, 5000) i`);
    await healthyDb.query(`INSERT INTO notes VALUES (1, 'first'), (2, 'second')`);

    await waitFor(() => expect(healthySub.changes.map((c) => c.new.id)).toEqual([1, 2]), { timeout: 15_000 });
    const ping = await fetch(`http://${healthy.externalId}.localhost:${stack.gateways[0]!.port}/api/ping`, { signal: AbortSignal.timeout(1000) });
    expect(await ping.json()).toEqual({ message: 'Success' });
    expect(await sender.send({ type: 'broadcast', event: 'msg', payload: { n: 1 } })).toBe('ok');
    await waitFor(() => expect(broadcasts).toHaveLength(1), { timeout: 5000 });

    await waitFor(() => expect(slowSub.system).toContainEqual(expect.objectContaining({
      extension: 'system', status: 'error', message: 'Realtime was unable to connect to the project database',
    })), { timeout: 20_000 });
    await waitFor(() => expect(slowSub.channel.state).toBe('closed')); // phx_close: the client does not rejoin
    expect(slowSub.changes).toEqual([]); // nothing unchecked ever reached it

    // Still served afterwards, and the gateway's hold on the slow tenant is bounded and counted.
    await healthyDb.query(`INSERT INTO notes VALUES (3, 'third')`);
    await waitFor(() => expect(healthySub.changes.map((c) => c.new.id)).toEqual([1, 2, 3]), { timeout: 10_000 });
    const text = await scrape(stack.gateways[0]!.url);
    expect(metric(text, 'realtime_postgres_changes_dropped_total')).toBeGreaterThan(0);
    expect(metric(text, 'realtime_tenant_changes_queue_bytes', `tenant="${slow.externalId}"`)).toBeLessThanOrEqual(QUEUE_BYTES);
  }, 90_000);
});
