// Builds ingest-cdc: the Kafka change sink, the tenant replications, the consumer group that assigns
// tenants to this worker, and a small HTTP server for /healthcheck and /metrics. That group never
// commits offsets (every assignment re-reads the compacted topic), so it has no consumer lag gauge.
import type { Logger } from '@realtime/log';
import { createRegistry, startOpsServer, consumerRecordsSkippedCounter } from '@realtime/metrics';
import { createAvroProducer, createKafka, ensureTopics, topicNames } from '@realtime/kafka';
import { decrypt, isEncrypted, parseEncKey } from '@realtime/secrets';
import { slotName, type IngestCdcConfig } from './config.ts';
import { createKafkaChangeSink } from './adapters/kafka-change-sink.ts';
import { createPgSlotLagReader } from './adapters/pg-slot-lag.ts';
import { promCdcMetrics } from './adapters/prom-metrics.ts';
import { followTenantAssignments } from './adapters/kafka-tenant-assignments.ts';
import { TenantReplications } from './tenants.ts';

export async function start(config: IngestCdcConfig, { log }: { log: Logger }) {
  const registry = createRegistry('ingest-cdc');
  const topics = topicNames(config.topicPrefix);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'ingest-cdc', logger: log, skippedRecords: consumerRecordsSkippedCounter(registry) });
  await ensureTopics(kafka, config.topicPrefix);
  const producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
  const key = parseEncKey(config.dbEncKey);
  const replications = new TenantReplications({
    slot: slotName(config.slotNameSuffix),
    nodeId: `ingest-cdc-${process.pid}`,
    sink: createKafkaChangeSink(producer, topics),
    reveal: (v) => (isEncrypted(v) ? decrypt(v, key) : v),
    maxRecordBytes: config.maxRecordBytes,
    log,
    metrics: promCdcMetrics(registry),
    slotLagReader: createPgSlotLagReader,
  });
  const assignments = await followTenantAssignments(kafka, {
    topic: topics.tenants, groupId: config.groupId, log,
    onTenant: (partition, tenant, value) => replications.onTenant(partition, tenant, value),
    onRevoked: (partitions) => replications.onRevoked(partitions),
  });

  const ops = await startOpsServer({ port: config.listenPort, registry, metricsJwtSecret: config.metricsJwtSecret });
  log.info({ port: ops.port }, 'ingest-cdc listening');
  return {
    replications,
    address: { port: ops.port },
    async close() {
      await ops.close();
      await assignments.stop();
      await replications.stopAll();
      await producer.disconnect();
    },
  };
}
