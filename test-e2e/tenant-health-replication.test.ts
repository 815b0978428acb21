// GET /api/tenants/:id/health (spec §8) reports replication_connected from the tenant database
// itself: true while an ingest-cdc worker streams the tenant's replication slot, false once no
// worker does (the slot stays, inactive), true again when a worker takes the tenant back. A tenant
// with a CDC extension is healthy only while both its database and its replication are up.
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { waitFor } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { adminFetch, createTenant, startE2eStack, type TenantInfo } from './support/fixture.ts';
import { prepareItemsTable, waitForSlotStreaming } from './support/cdc.ts';

let stack: Stack;
let tenant: TenantInfo;
let db: pg.Client;

beforeAll(async () => {
  stack = await startE2eStack({ gateways: 1, ingestCdc: true });
  tenant = await createTenant(stack);
  db = new pg.Client({ connectionString: tenant.dbUrl });
  await db.connect();
  await prepareItemsTable(db);
});
afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

async function health(): Promise<Record<string, unknown>> {
  const res = await adminFetch(stack, `/api/tenants/${tenant.externalId}/health`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Record<string, unknown> }).data;
}

it('follows the tenant\'s replication slot: connected with ingest-cdc running, not without', async () => {
  await waitForSlotStreaming(db);
  expect(await health()).toMatchObject({ healthy: true, db_connected: true, replication_connected: true, region: 'local' });

  await stack.ingestCdc!.stop();
  await waitFor(async () => expect(await health()).toMatchObject({ healthy: false, db_connected: true, replication_connected: false }), { timeout: 20_000 });

  await stack.startIngestCdc();
  await waitFor(async () => expect(await health()).toMatchObject({ healthy: true, replication_connected: true }), { timeout: 30_000 });
}, 90_000);
