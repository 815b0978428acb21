// Series that several services export under one name and meaning, defined once here so their help
// text and labels cannot drift apart. Get-or-create: one registry may ask twice (two watched groups).
import client from 'prom-client';

/** realtime_kafka_consumer_lag{topic,group}: set by @realtime/kafka's watchConsumerLag. */
export function consumerLagGauge(registry: client.Registry): client.Gauge<'topic' | 'group'> {
  const name = 'realtime_kafka_consumer_lag';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as client.Gauge<'topic' | 'group'>;
  return new client.Gauge({
    name, help: 'Records of the topic not yet committed by the consumer group (end offset − committed offset, summed over partitions)',
    labelNames: ['topic', 'group'], registers: [registry],
  });
}

/** realtime_consumer_records_skipped_total{topic,reason}: counted by @realtime/kafka's readers. */
export function consumerRecordsSkippedCounter(registry: client.Registry): client.Counter<'topic' | 'reason'> {
  const name = 'realtime_consumer_records_skipped_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as client.Counter<'topic' | 'reason'>;
  return new client.Counter({
    name, help: 'Kafka records a consumer skipped: undecodable, or its handler failed with a non-retryable error',
    labelNames: ['topic', 'reason'], registers: [registry],
  });
}
