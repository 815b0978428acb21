// The management API's view of a running tenant (docs/PROTOCOL.md §8): health's connected_cluster counts the
// tenant's users over every gateway (sockets with a joined channel, from the gateways' usage
// reports), and POST /shutdown really shuts the tenant down — every socket gets the reference's
// `Server requested disconnect` and is closed, ingest-cdc's replication of the tenant stops (its
// walsender ends) and starts afresh — while the tenant stays usable: the next connect is served,
// Postgres Changes included.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { waitFor } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { adminFetch, client, closeClients, createTenant, startE2eStack, token, type TenantInfo } from './support/fixture.ts';
import { rawClient, rawJoin, type RawClient } from './support/raw-socket.ts';
import { asChange, changesReady, tenantDb, type Change } from './support/changes.ts';
import { prepareItemsTable, waitForSlotStreaming } from './support/cdc.ts';

let stack: Stack;
let tenant: TenantInfo;
let db: pg.Client;
let key: string;
const raws: RawClient[] = [];
let idle: RawClient;

beforeAll(async () => {
  stack = await startE2eStack({ gateways: 2, ingestCdc: true });
  tenant = await createTenant(stack);
  db = await tenantDb(tenant.dbUrl);
  await prepareItemsTable(db);
  key = await token(tenant.jwtSecret);
}, 90_000);
afterAll(async () => {
  for (const r of raws) r.ws.terminate();
  await closeClients();
  await db?.end();
  await stack?.stop();
});

async function health(): Promise<Record<string, unknown>> {
  const res = await adminFetch(stack, `/api/tenants/${tenant.externalId}/health`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Record<string, unknown> }).data;
}

async function joined(gateway: number): Promise<RawClient> {
  const raw = await rawClient(stack.gateways[gateway]!.port, tenant.externalId, key);
  raws.push(raw);
  await rawJoin(raw, 'room');
  return raw;
}

const walsender = async () => (await db.query<{ pid: number | null }>(
  `SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name LIKE 'supabase_realtime_replication_slot%' AND database = current_database()`)).rows[0]?.pid ?? null;

it('connected_cluster counts the tenant\'s users on every gateway, and drops those who left', async () => {
  const [a, b, c] = [await joined(0), await joined(0), await joined(1)];
  idle = await rawClient(stack.gateways[1]!.port, tenant.externalId, key); // no channel: not a user (docs/PROTOCOL.md §9)
  raws.push(idle);
  await waitFor(async () => expect(await health()).toMatchObject({ connected_cluster: 3 }), { timeout: 15_000 });
  c.ws.close();
  await waitFor(async () => expect(await health()).toMatchObject({ connected_cluster: 2 }), { timeout: 15_000 });
  const status = (await (await fetch(`${stack.admin.url}/status`, { headers: { accept: 'application/json' } })).json()) as Record<string, number>;
  expect(status.connected_users).toBeGreaterThanOrEqual(2);
  expect(status.gateways).toBeGreaterThanOrEqual(1);
  expect([a, b].every((r) => r.ws.readyState === r.ws.OPEN)).toBe(true);
}, 60_000);

it('shutdown disconnects every socket of the tenant, restarts its CDC, and the next connect is served', async () => {
  await waitForSlotStreaming(db);
  const before = await walsender();
  expect(before).not.toBeNull();
  const sockets = [...raws.filter((r) => r.ws.readyState === r.ws.OPEN), await joined(1)];
  const closes = sockets.map((r) => r.closed);

  expect((await adminFetch(stack, `/api/tenants/${tenant.externalId}/shutdown`, { method: 'POST' })).status).toBe(204);
  for (const close of await Promise.all(closes)) expect(close.code).toBe(1012);
  for (const r of sockets.filter((s) => s !== idle)) { // every socket that had joined a channel was told why
    const system = r.frames.filter((f) => Array.isArray(f) && f[3] === 'system').map((f) => (f as unknown[])[4]);
    expect(system).toContainEqual(expect.objectContaining({ status: 'ok', message: 'Server requested disconnect' }));
  }
  // ingest-cdc stopped the replication (that walsender ended) and started a new one.
  await waitFor(async () => {
    const now = await walsender();
    expect(now).not.toBeNull();
    expect(now).not.toBe(before);
  }, { timeout: 30_000 });
  await waitFor(async () => expect(await health()).toMatchObject({ connected_cluster: 0, replication_connected: true }), { timeout: 15_000 });

  // Usable again: a new client joins and gets the table's changes.
  const received: Change[] = [];
  const channel = client(stack.gateways[0]!.port, tenant.externalId, key).channel('after-shutdown')
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'items' }, (p) => void received.push(asChange(p)));
  await changesReady(channel);
  await db.query(`INSERT INTO items VALUES (4242, 'after shutdown')`);
  await waitFor(() => expect(received.map((c) => c.new.id)).toContain(4242), { timeout: 15_000 });
  await waitFor(async () => expect(await health()).toMatchObject({ connected_cluster: 1 }), { timeout: 15_000 });
}, 120_000);
