// How far a consumer group is behind on a topic: every few seconds, (end offset − committed offset)
// summed over the topic's partitions, handed to a gauge labelled {topic, group}. It reads what the
// group committed, so it only means something for groups that commit (presence-service,
// ratelimiter); fan-out readers and ingest-cdc's tenants group never commit and are not watched.
// A partition the group never committed on counts 0: its lag is unknown, not "everything".
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '@realtime/log';
import { classifyKafkaError } from './errors.ts';

/** What a prom-client Gauge with labelNames ['topic', 'group'] already is. */
export interface LagGauge {
  set(labels: { topic: string; group: string }, value: number): void;
}

export interface ConsumerLagOptions {
  topic: string;
  groupId: string;
  gauge: LagGauge;
  logger: Logger;
  /** Default 5 s. */
  intervalMs?: number;
}

/** Σ max(0, high − committed) over partitions with a committed offset (kafkajs reports '-1' for none). */
export function consumerLag(ends: { partition: number; high: string }[], committed: { partition: number; offset: string }[]): number {
  const at = new Map(committed.filter((c) => c.offset !== '-1').map((c) => [c.partition, BigInt(c.offset)]));
  let lag = 0n;
  for (const { partition, high } of ends) {
    const offset = at.get(partition);
    if (offset !== undefined && BigInt(high) > offset) lag += BigInt(high) - offset;
  }
  return Number(lag);
}

/** Starts at 0 at once; a failed sample is logged (first of a streak only) and the last value kept. */
export function watchConsumerLag(kafka: Kafka, options: ConsumerLagOptions): { stop(): Promise<void> } {
  const { topic, groupId, gauge, intervalMs = 5000 } = options;
  const labels = { topic, group: groupId };
  const log = options.logger.child({ topic, groupId });
  gauge.set(labels, 0);
  let admin: Admin | null = null;
  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const sample = async () => {
    try {
      if (!admin) {
        admin = kafka.admin();
        await admin.connect();
      }
      const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
      if (!stopped) gauge.set(labels, consumerLag(ends, committed[0]?.partitions ?? []));
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ code: classifyKafkaError(err).code, err: String(err) }, 'consumer lag not measured; retried next interval');
      failing = true;
      const broken = admin;
      admin = null;
      await broken?.disconnect().catch(() => {});
    }
  };
  const schedule = () => {
    timer = setTimeout(() => {
      running = sample().finally(() => void (stopped || schedule()));
    }, intervalMs);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await admin?.disconnect().catch(() => {});
    },
  };
}
