// GET /api/tenants/:id/health (docs/PROTOCOL.md §8) reports replication_connected from the tenant database
// itself: true while an ingest-cdc worker streams the tenant's replication slot, false once no
// worker does (the slot stays, inactive), true again when a worker takes the tenant back. A tenant
// with a CDC extension is healthy only while both its database and its replication are up.
import { expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import { adminFetch } from './support/fixture.ts';
import { useCdcTenant, waitForSlotStreaming } from './support/cdc.ts';

const cdc = useCdcTenant();

async function health(): Promise<Record<string, unknown>> {
  const res = await adminFetch(cdc.stack, `/api/tenants/${cdc.tenant.externalId}/health`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Record<string, unknown> }).data;
}

it('follows the tenant\'s replication slot: connected with ingest-cdc running, not without', async () => {
  await waitForSlotStreaming(cdc.db);
  expect(await health()).toMatchObject({ healthy: true, db_connected: true, replication_connected: true, region: 'local' });

  await cdc.stack.ingestCdc!.stop();
  await waitFor(async () => expect(await health()).toMatchObject({ healthy: false, db_connected: true, replication_connected: false }), { timeout: 20_000 });

  await cdc.stack.startIngestCdc();
  await waitFor(async () => expect(await health()).toMatchObject({ healthy: true, replication_connected: true }), { timeout: 30_000 });
}, 90_000);
