// The Kafka broker restarted while 10,000 committed rows stream through ingest-cdc: publishing
// fails, the replication restarts from its slot once Kafka is back, and every row still arrives in
// commit order. This stack has a Kafka of its own so the restart touches no other test.
import { afterAll, beforeAll, inject, it } from 'vitest';
import pg from 'pg';
import { startKafka, type KafkaServer } from '@realtime/testing';
import { startStack, type Stack } from '@realtime/testing/stack';
import { createTenant, type TenantInfo } from './support/fixture.ts';
import { auditReader, insertRows, prepareItemsTable, waitForSlotStreaming } from './support/cdc.ts';

let kafka: KafkaServer;
let stack: Stack;
let tenant: TenantInfo;
let db: pg.Client;

beforeAll(async () => {
  kafka = await startKafka();
  stack = await startStack({ infra: { kafkaBrokers: kafka.brokers, pgUrl: inject('infra').pgUrl }, gateways: 1, ingestCdc: true });
  tenant = await createTenant(stack);
  db = new pg.Client({ connectionString: tenant.dbUrl });
  await db.connect();
  await prepareItemsTable(db);
});
afterAll(async () => {
  await db?.end();
  await stack?.stop();
  await kafka?.stop();
});

it('loses no row and keeps commit order across a broker restart', async () => {
  await waitForSlotStreaming(db);
  await insertRows(db, 10_000, 50, () => kafka.restart());
  const audit = await auditReader(kafka.brokers, stack.topicPrefix, tenant.externalId);
  await audit.expectAllRows(10_000, 120_000);
  await audit.stop();
}, 200_000);
