// ingest-cdc killed with SIGKILL while 10,000 committed rows stream to Kafka: after a restart every
// row is in realtime.cdc, none missing, in commit order (duplicates of the replayed tail are dropped
// downstream by commit LSN + sequence, as the gateways do).
import { inject, it } from 'vitest';
import { auditReader, insertRows, useCdcTenant, waitForSlotStreaming } from './support/cdc.ts';

const cdc = useCdcTenant();

it('loses no row and keeps commit order across a SIGKILL of ingest-cdc', async () => {
  const audit = await auditReader(inject('infra').kafkaBrokers, cdc.stack.topicPrefix, cdc.tenant.externalId);
  await waitForSlotStreaming(cdc.db);
  await insertRows(cdc.db, 10_000, 50, () => cdc.stack.ingestCdc!.kill());
  await cdc.stack.startIngestCdc();
  await audit.expectAllRows(10_000);
  await audit.stop();
}, 150_000);
