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
