// ingest-cdc killed with SIGKILL while 10,000 committed rows stream to Kafka: after a restart every
// row is in realtime.cdc, none missing, in commit order (duplicates of the replayed tail are dropped
// downstream by commit LSN + sequence, as the gateways do).
import { afterAll, beforeAll, inject, it } from 'vitest';
import pg from 'pg';
import type { Stack } from '@realtime/testing/stack';
import { createTenant, startE2eStack, type TenantInfo } from './support/fixture.ts';
import { auditReader, insertRows, prepareItemsTable, waitForSlotStreaming } from './support/cdc.ts';

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

it('loses no row and keeps commit order across a SIGKILL of ingest-cdc', async () => {
  const audit = await auditReader(inject('infra').kafkaBrokers, stack.topicPrefix, tenant.externalId);
  await waitForSlotStreaming(db);
  await insertRows(db, 10_000, 50, () => stack.ingestCdc!.kill());
  await stack.startIngestCdc();
  await audit.expectAllRows(10_000);
  await audit.stop();
}, 150_000);
