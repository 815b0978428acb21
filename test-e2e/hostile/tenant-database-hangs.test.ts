// Hostile: a tenant whose database accepts connections and never answers (a black hole), whose
// settings then change, next to a healthy tenant created afterwards. The hung tenant is reported
// unhealthy within the probe's bound; ingest-cdc gives up on it in bounded time, so the change of
// its settings (handled in the one consumer of realtime.tenants) does not hold up the tenants that
// follow: the healthy tenant's row changes and database broadcasts arrive, the APIs answer within
// a second, and the connections parked at the black hole stay few.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { waitFor } from '@realtime/testing';
import { waitForTenant, type Stack } from '@realtime/testing/stack';
import { adminFetch, client, closeClients, collect, createTenant, startE2eStack, subscribed, tenantBody, token } from '../support/fixture.ts';
import { asChange, changesReady, tenantDb, type Change } from '../support/changes.ts';
import { waitForSlotStreaming } from '../support/cdc.ts';

let stack: Stack;
const holes: Server[] = [];
let open = 0;
let maxOpen = 0;
const sockets: Socket[] = [];

async function blackhole(): Promise<number> {
  const server = createServer((s) => {
    sockets.push(s);
    maxOpen = Math.max(maxOpen, ++open);
    s.on('close', () => void open--);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  holes.push(server);
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  stack = await startE2eStack({ gateways: 1, ingestCdc: true });
}, 60_000);
afterAll(async () => {
  await closeClients();
  await stack?.stop();
  for (const s of sockets) s.destroy();
  await Promise.all(holes.map((h) => new Promise((resolve) => h.close(resolve))));
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

it('a hung tenant database is reported and contained; a healthy tenant created after it is fully served', async () => {
  const hung = `t${randomBytes(5).toString('hex')}`;
  const create = await adminFetch(stack, '/api/tenants', { method: 'POST', body: { tenant: tenantBody(hung, randomBytes(24).toString('hex'), `postgres://postgres@127.0.0.1:${await blackhole()}/hung`) } });
  expect(create.status).toBe(202); // created; its migrations cannot run yet (the first attempt timed out)
  await waitForTenant(stack, hung);

  // Refused with a clear answer, in bounded time: the health probe gives up after 3 s.
  const health = await timed(() => adminFetch(stack, `/api/tenants/${hung}/health`));
  expect(health.value.status).toBe(200);
  expect(((await health.value.json()) as { data: unknown }).data).toMatchObject({ healthy: false, db_connected: false, replication_connected: false });
  expect(health.ms).toBeLessThan(6000);

  // The hung tenant's database moves (to another black hole): ingest-cdc must stop the worker
  // that is still waiting on the first one before it reads the next tenant record.
  const moved = await adminFetch(stack, `/api/tenants/${hung}`, { method: 'PATCH', body: { tenant: { extensions: [{ type: 'postgres_cdc_rls', settings: { db_port: String(await blackhole()) } }] } } });
  expect(moved.status).toBe(200);

  const healthy = await createTenant(stack);
  const db: pg.Client = await tenantDb(healthy.dbUrl);
  try {
    await db.query('CREATE TABLE items (id int PRIMARY KEY, v text)');
    await db.query('ALTER PUBLICATION supabase_realtime ADD TABLE items');
    await waitForSlotStreaming(db);

    const key = await token(healthy.jwtSecret);
    const changes: Change[] = [];
    const rows = client(stack.gateways[0]!.port, healthy.externalId, key).channel('items')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'items' }, (p) => void changes.push(asChange(p)));
    await changesReady(rows);
    const room = client(stack.gateways[0]!.port, healthy.externalId, key).channel('room');
    const broadcasts = collect<{ event: string; payload: Record<string, unknown> }>(room, 'from-db');
    await subscribed(room);

    await db.query(`INSERT INTO items VALUES (1, 'still served')`);
    await db.query(`SELECT realtime.send('{"n":1}', 'from-db', 'room', false)`);
    await waitFor(() => expect(changes.map((c) => c.new)).toEqual([{ id: 1, v: 'still served' }]), { timeout: 20_000 });
    await waitFor(() => expect(broadcasts.map((b) => b.payload.n)).toEqual([1]), { timeout: 20_000 });
  } finally {
    await db.end();
  }

  // Everyone else answers within a second while the hung tenant keeps failing.
  const list = await timed(() => adminFetch(stack, '/api/tenants'));
  expect(list.value.status).toBe(200);
  expect(list.ms).toBeLessThan(1000);
  const ping = await timed(() => fetch(`http://${healthy.externalId}.localhost:${stack.gateways[0]!.port}/api/ping`));
  expect(ping.value.status).toBe(200);
  expect(ping.ms).toBeLessThan(1000);
  // Retries back off and time out instead of piling up connections on the black holes.
  expect(maxOpen).toBeLessThanOrEqual(10);
}, 90_000);
