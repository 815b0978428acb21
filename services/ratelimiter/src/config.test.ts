import { describe, expect, it } from 'vitest';
import { ConfigError } from '@realtime/config';
import { ratelimiterConfig } from './config.ts';

describe('ratelimiter config', () => {
  it('has defaults for everything', () => {
    const { config, warnings } = ratelimiterConfig.load({});
    expect(config).toEqual({
      listenPort: 4030, kafkaBrokers: ['localhost:9092'], topicPrefix: 'realtime.', topicReplicationFactor: 1, topicMinInsyncReplicas: 1, groupId: 'ratelimiter', metricsJwtSecret: '', logLevel: 'info',
    });
    expect(warnings).toEqual([]);
  });

  it('rejects a bad port and warns about unknown RATELIMITER_ variables', () => {
    expect(() => ratelimiterConfig.load({ RATELIMITER_LISTEN_PORT: '70000' })).toThrow(ConfigError);
    expect(ratelimiterConfig.load({ RATELIMITER_PORT: '1' }).warnings).toEqual(['unknown variable RATELIMITER_PORT (prefix of ratelimiter); ignored']);
  });
});
