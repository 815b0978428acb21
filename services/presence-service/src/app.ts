// Builds presence-service: the Redis store and node registry, the Kafka sinks, the consumer group on
// realtime.presence.commands that feeds the processor, the gateway liveness monitor, the lag watcher
// of that group, and a small HTTP server for /healthcheck and /metrics.
import { createLogger, type Logger } from '@realtime/log';
import { ErrorCodes, errorCodeOf } from '@realtime/errors';
import { consumerLagGauge, createRegistry, startOpsServer, consumerRecordsSkippedCounter } from '@realtime/metrics';
import { createAvroProducer, createKafka, ensureTopics, readRecordLimits, topicNames, watchConsumerLag } from '@realtime/kafka';
import type { PresenceConfig } from './config.ts';
import { createProcessor } from './processor.ts';
import { MemberCounts } from './core/member-counts.ts';
import { createNodeMonitor } from './monitor.ts';
import { consumeCommands } from './adapters/kafka-command-consumer.ts';
import { createKafkaSinks } from './adapters/kafka-sinks.ts';
import { promPresenceMetrics } from './adapters/prom-metrics.ts';
import { connect, createRedisPool } from './adapters/redis-pool.ts';
import { createRedisPresenceStore } from './adapters/redis-presence-store.ts';
import { presenceRules } from './core/rules.ts';
import { createRedisNodeRegistry } from './adapters/redis-node-registry.ts';

export interface PresenceOverrides {
  log?: Logger;
}

export interface RunningPresence {
  address: { port: number };
  close(): Promise<void>;
}

export async function start(config: PresenceConfig, overrides: PresenceOverrides = {}): Promise<RunningPresence> {
  const log = overrides.log ?? createLogger({ service: 'presence-service', level: config.logLevel });
  const registry = createRegistry('presence-service');
  const metrics = promPresenceMetrics(registry);
  const topics = topicNames(config.topicPrefix);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'presence-service', logger: log, skippedRecords: consumerRecordsSkippedCounter(registry) });
  await ensureTopics(kafka, config.topicPrefix, {}, config);
  // Records over max.message.bytes fail alone, before any request (libs/kafka record-outcomes.ts).
  const recordLimits = await readRecordLimits(kafka, [topics.presenceEvents, topics.presenceCommands]);
  log.info({ recordLimits }, 'Kafka record limits');
  const producer = createAvroProducer(kafka, { idempotent: true, recordLimits });
  await producer.connect();
  const target = { url: config.redisUrl, clusterNodes: config.redisClusterNodes };
  const redis = connect(target, log);
  const pool = createRedisPool(target, config.concurrency, log);
  const nodes = createRedisNodeRegistry(redis, log);
  await nodes.ensureEpoch();

  const sinks = createKafkaSinks(producer, topics, log);
  const counts = new MemberCounts();
  const processBatch = createProcessor({ store: createRedisPresenceStore(pool, presenceRules, Date.now, config.emptyStateTtlMs), diffs: sinks.diffs, metrics, counts, log });
  let fatal: Error | undefined;
  const consumer = await consumeCommands(kafka, {
    topic: topics.presenceCommands, groupId: config.groupId, log, onBatch: processBatch,
    onAssigned: (partitions) => (counts.retain(partitions), metrics.members.set(counts.total)),
    onFatal: (err) => {
      fatal = err;
      log.error({ code: errorCodeOf(err) ?? ErrorCodes.UnknownError, err: String(err) }, 'presence command consumer stopped; /healthcheck now fails');
    },
  });
  const monitor = createNodeMonitor({ registry: nodes, commands: sinks.commands, metrics, log });
  monitor.start();
  const lag = watchConsumerLag(kafka, { topic: topics.presenceCommands, groupId: config.groupId, gauge: consumerLagGauge(registry), logger: log });

  const ops = await startOpsServer({ port: config.listenPort, registry, metricsJwtSecret: config.metricsJwtSecret, unhealthy: () => (fatal ? 'consumer stopped' : null) });
  log.info({ port: ops.port }, 'presence-service listening');
  return {
    address: { port: ops.port },
    async close() {
      await ops.close();
      await lag.stop();
      await monitor.stop();
      await consumer.stop();
      await producer.disconnect();
      await pool.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
