// Builds ingest-cdc: the Kafka change sink, the tenant replications, the consumer group that assigns
// tenants to this worker, and a small HTTP server for /healthcheck and /metrics. That group never
// commits offsets (every assignment re-reads the compacted topic), so it has no consumer lag gauge.
import { createLogger, type Logger } from '@realtime/log';
import { createRegistry, startOpsServer, consumerRecordsSkippedCounter } from '@realtime/metrics';
import { createAvroProducer, createKafka, ensureTopics, readRecordLimits, RECORD_ENVELOPE_BYTES, recordKeys, topicNames } from '@realtime/kafka';
import { decrypt, isEncrypted, parseEncKey } from '@realtime/secrets';
import { parseSigningKey, signCheckpoint } from '@realtime/audit';
import { slotName, type IngestCdcConfig } from './config.ts';
import { createKafkaChangeSink } from './adapters/kafka-change-sink.ts';
import { createKafkaChainHeads } from './adapters/kafka-chain-heads.ts';
import { createPgSlotLagReader } from './adapters/pg-slot-lag.ts';
import { createReplicationSource, dropSlot } from './adapters/pg-replication-source.ts';
import { promCdcMetrics } from './adapters/prom-metrics.ts';
import { followTenantAssignments } from './adapters/kafka-tenant-assignments.ts';
import { TenantReplications } from './tenants.ts';

export interface IngestCdcOverrides {
  log?: Logger;
}

/** The shape every service's start() returns (docs/ARCHITECTURE.md). */
export interface RunningIngestCdc {
  address: { port: number };
  close(): Promise<void>;
}

export async function start(config: IngestCdcConfig, overrides: IngestCdcOverrides = {}): Promise<RunningIngestCdc> {
  const log = overrides.log ?? createLogger({ service: 'ingest-cdc', level: config.logLevel });
  const registry = createRegistry('ingest-cdc');
  const topics = topicNames(config.topicPrefix);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'ingest-cdc', logger: log, skippedRecords: consumerRecordsSkippedCounter(registry) });
  await ensureTopics(kafka, config.topicPrefix, {}, config);
  // Record sizes agree with the broker by clamping, not by refusing to start: a change larger than
  // the cdc topic takes becomes the 413 event (to-change-event.ts), whatever INGEST_CDC_MAX_RECORD_BYTES
  // or a tenant's poll_max_record_bytes allow, so the slot never replays a record Kafka refuses.
  const recordLimits = await readRecordLimits(kafka, [topics.cdc, topics.broadcast]);
  const maxEventBytes = recordLimits[topics.cdc]! - RECORD_ENVELOPE_BYTES;
  log.info({ recordLimits, maxEventBytes, maxRecordBytes: config.maxRecordBytes }, 'Kafka record limits');
  const producer = createAvroProducer(kafka, { idempotent: true, recordLimits });
  await producer.connect();
  const key = parseEncKey(config.dbEncKey);
  const nodeId = `ingest-cdc-${process.pid}`;
  const signingKey = config.auditSigningKey ? parseSigningKey(config.auditSigningKey) : null;
  if (!signingKey) log.warn({ setting: 'INGEST_CDC_AUDIT_SIGNING_KEY' }, 'no audit signing key: the change hash chain is written without signed checkpoints');
  const replications = new TenantReplications({
    slot: slotName(config.slotNameSuffix),
    nodeId,
    chainHeads: createKafkaChainHeads(kafka, topics.cdc, log),
    checkpoints: signingKey ? {
      intervalMs: config.checkpointIntervalMs,
      sign: (tenant, head) => signCheckpoint(tenant, head, { key: signingKey, node: nodeId, signedAt: Date.now() }),
      sink: { publish: async (c) => void (await producer.send(topics.cdcCheckpoints, 'CdcCheckpoint', [{ key: recordKeys.tenant(c.tenant), value: c }])) },
    } : undefined,
    sink: createKafkaChangeSink(producer, topics, log),
    reveal: (v) => (isEncrypted(v) ? decrypt(v, key) : v),
    maxRecordBytes: config.maxRecordBytes,
    maxEventBytes,
    log,
    metrics: promCdcMetrics(registry),
    slotLagReader: createPgSlotLagReader,
    sourceFactory: createReplicationSource,
    dropSlot,
  });
  const assignments = await followTenantAssignments(kafka, {
    topic: topics.tenants, groupId: config.groupId, log,
    onTenant: (partition, tenant, value) => replications.onTenant(partition, tenant, value),
    onRevoked: (partitions) => replications.onRevoked(partitions),
  });

  const ops = await startOpsServer({ port: config.listenPort, registry, metricsJwtSecret: config.metricsJwtSecret });
  log.info({ port: ops.port }, 'ingest-cdc listening');
  return {
    address: { port: ops.port },
    async close() {
      await ops.close();
      await replications.stopAll(); // slots released before the group hands the tenants on
      await assignments.stop();
      await producer.disconnect();
    },
  };
}
