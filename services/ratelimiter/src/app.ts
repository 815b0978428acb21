// Builds the ratelimiter: the two compacted tables (tenants' maxima, decisions already published),
// the consumer group on realtime.usage feeding the core, a tick that lifts and refreshes decisions
// when no report comes, the outbox to realtime.limits, the lag watcher of the usage group, and a
// small HTTP server for /healthcheck and /metrics. Tables load before the group is joined, so the
// first decisions see both.
import { createLogger, type Logger } from '@realtime/log';
import { ErrorCodes, errorCodeOf } from '@realtime/errors';
import { consumerLagGauge, createRegistry, startOpsServer, consumerRecordsSkippedCounter } from '@realtime/metrics';
import { createAvroProducer, createKafka, ensureTopics, topicNames, watchConsumerLag } from '@realtime/kafka';
import type { RatelimiterConfig } from './config.ts';
import { Aggregator, type Emitted, type Timing } from './core/aggregate.ts';
import { DecisionOutbox } from './outbox.ts';
import { createKafkaDecisionSink } from './adapters/kafka-decision-sink.ts';
import { readLimitDecisions, readTenants } from './adapters/kafka-tables.ts';
import { bytesBurstOf, maximaOf } from './core/limits.ts';
import { consumeUsage } from './adapters/kafka-usage-consumer.ts';
import { promRatelimiterMetrics } from './adapters/prom-metrics.ts';

/** How often idle tenants are re-evaluated: bounds the refresh period to refreshMs + TICK_MS. */
const TICK_MS = 200;

export interface RatelimiterOverrides {
  log?: Logger;
  /** Window and refresh periods (tests shorten them). */
  timing?: Partial<Timing>;
}

export interface RunningRatelimiter {
  address: { port: number };
  close(): Promise<void>;
}

export async function start(config: RatelimiterConfig, overrides: RatelimiterOverrides = {}): Promise<RunningRatelimiter> {
  const { timing } = overrides;
  const log = overrides.log ?? createLogger({ service: 'ratelimiter', level: config.logLevel });
  const registry = createRegistry('ratelimiter');
  const metrics = promRatelimiterMetrics(registry);
  const topics = topicNames(config.topicPrefix);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'ratelimiter', logger: log, skippedRecords: consumerRecordsSkippedCounter(registry) });
  await ensureTopics(kafka, config.topicPrefix, {}, config);
  const producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();

  const core = new Aggregator(timing);
  const outbox = new DecisionOutbox({
    sink: createKafkaDecisionSink(producer, topics.limits),
    onError: (err, records) => {
      metrics.publishFailed();
      log.error({ code: errorCodeOf(err) ?? ErrorCodes.KafkaPublishFailed, records, err: String(err) }, 'publishing limit decisions failed; retrying');
    },
  });
  const emit = (records: Emitted[]) => {
    for (const r of records) {
      if (r.kind !== 'change' || !r.decision) continue;
      const { tenant, limit, throttled, rate, max } = r.decision;
      metrics.decision(r.limit, throttled);
      log.info({ tenant, limit, throttled, rate, max }, throttled ? 'tenant throttled' : 'tenant throttle lifted');
    }
    outbox.push(records);
  };

  const decisions = await readLimitDecisions(kafka, { topic: topics.limits, log, onDecision: (t, l, d) => core.observe(t, l, d) });
  const tenants = await readTenants(kafka, {
    topic: topics.tenants, log, onTenant: (t, s) => (s ? core.setTenant(t, maximaOf(s), bytesBurstOf(s)) : core.setTenant(t, null)),
  });
  let fatal: Error | undefined;
  const usage = await consumeUsage(kafka, {
    topic: topics.usage, groupId: config.groupId, log,
    onReport: (report) => {
      const { outcome, emitted } = core.report(report, Date.now());
      metrics.report(outcome);
      emit(emitted);
    },
    onAssigned: () => core.assigned(Date.now()),
    onFatal: (err) => {
      fatal = err;
      log.error({ code: errorCodeOf(err) ?? ErrorCodes.UnknownError, err: String(err) }, 'usage consumer stopped; /healthcheck now fails');
    },
  });
  const ticker = setInterval(() => emit(core.tick(Date.now(), usage.owns)), TICK_MS);
  const lag = watchConsumerLag(kafka, { topic: topics.usage, groupId: config.groupId, gauge: consumerLagGauge(registry), logger: log });

  const ops = await startOpsServer({ port: config.listenPort, registry, metricsJwtSecret: config.metricsJwtSecret, unhealthy: () => (fatal ? 'consumer stopped' : null) });
  log.info({ port: ops.port }, 'ratelimiter listening');
  return {
    address: { port: ops.port },
    async close() {
      await ops.close();
      await lag.stop();
      await usage.stop();
      clearInterval(ticker);
      await outbox.close();
      await Promise.all([decisions.stop(), tenants.stop()]);
      await producer.disconnect();
    },
  };
}
