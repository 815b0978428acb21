// ratelimiter settings. The timings of the decisions (staleness, refresh, warm-up) are not settings:
// they follow from the gateways' one-second reports and the 2 s requirement (core/aggregate.ts).
import { defineConfig, env, setting } from '@realtime/config';

export const ratelimiterConfig = defineConfig({
  service: 'ratelimiter',
  prefixes: ['RATELIMITER_'],
  settings: {
    listenPort: setting('RATELIMITER_LISTEN_PORT', env.port(4030), 'HTTP port for /healthcheck and /metrics'),
    kafkaBrokers: setting('KAFKA_BROKERS', env.list('localhost:9092'), 'Kafka bootstrap servers, comma-separated'),
    topicPrefix: setting('KAFKA_TOPIC_PREFIX', env.str('realtime.'), 'Prefix of every Kafka topic name'),
    groupId: setting('RATELIMITER_GROUP_ID', env.str('ratelimiter'), 'Consumer group on realtime.usage, shared by every instance: a tenant\'s partition has one owner, which sums its gateways\' reports'),
    metricsJwtSecret: setting('METRICS_JWT_SECRET', env.secret({ optional: true }), 'Secret of the Bearer JWT that /metrics requires (empty: /metrics always 403)', { secret: true }),
    logLevel: setting('LOG_LEVEL', env.str('info'), 'pino log level'),
  },
});

export type RatelimiterConfig = ReturnType<typeof ratelimiterConfig.load>['config'];
