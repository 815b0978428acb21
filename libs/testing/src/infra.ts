// Kafka, Postgres and Redis together, started in parallel, stopped together.
import { startKafka, type KafkaServer } from './kafka.ts';
import { startPostgres, type PgServer } from './postgres.ts';
import { startRedis, type RedisServer } from './redis.ts';

export interface Infra {
  kafka: KafkaServer;
  postgres: PgServer;
  redis: RedisServer;
  info: InfraInfo;
  stop(): Promise<void>;
}

/** What tests receive through inject('infra'): plain, serialisable. */
export interface InfraInfo {
  kafkaBrokers: string[];
  kafkaVersion: string;
  kafkaStartupMs: number;
  pgUrl: string;
  pgPort: number;
  redisUrl: string;
}

export async function startInfra(): Promise<Infra> {
  const started = await Promise.allSettled([startKafka(), startPostgres(), startRedis()] as const);
  const [k, p, r] = started;
  if (k.status !== 'fulfilled' || p.status !== 'fulfilled' || r.status !== 'fulfilled') {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    const reasons = started.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => String(s.reason));
    throw new Error(`infrastructure did not start: ${reasons.join('; ')}`);
  }
  const [kafka, postgres, redis] = [k.value, p.value, r.value];
  return {
    kafka, postgres, redis,
    info: { kafkaBrokers: kafka.brokers, kafkaVersion: kafka.version, kafkaStartupMs: kafka.startupMs, pgUrl: postgres.url, pgPort: postgres.port, redisUrl: redis.url },
    stop: async () => void (await Promise.all([kafka.stop(), postgres.stop(), redis.stop()])),
  };
}
