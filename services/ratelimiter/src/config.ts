// ratelimiter settings. The timings of the decisions (staleness, refresh, warm-up) are not settings:
// they follow from the gateways' one-second reports and the 2 s requirement (core/aggregate.ts).
import { defineConfig, env, setting, kafkaSettings, opsSettings } from '@realtime/config';

export const ratelimiterConfig = defineConfig({
  service: 'ratelimiter',
  prefixes: ['RATELIMITER_'],
  settings: {
    listenPort: setting('RATELIMITER_LISTEN_PORT', env.port(4030), 'HTTP port for /healthcheck and /metrics'),
    ...kafkaSettings,
    groupId: setting('RATELIMITER_GROUP_ID', env.str('ratelimiter'), 'Consumer group on realtime.usage, shared by every instance: a tenant\'s partition has one owner, which sums its gateways\' reports'),
    ...opsSettings,
  },
});

export type RatelimiterConfig = ReturnType<typeof ratelimiterConfig.load>['config'];
