import { describe, expect, it } from 'vitest';
import { defineConfig, env, kafkaSettings, renderEnvDoc, setting, ConfigError, z } from './index.ts';

const schema = defineConfig({
  service: 'demo',
  prefixes: ['DEMO_'],
  settings: {
    port: setting('DEMO_LISTEN_PORT', env.port(4000), 'HTTP port'),
    secret: setting('DEMO_SECRET', env.requiredStr(), 'signing secret', { secret: true }),
    verbose: setting('DEMO_VERBOSE', env.bool(false), 'chatty logs'),
    brokers: setting('KAFKA_BROKERS', env.list('localhost:9092'), 'Kafka bootstrap servers'),
    claims: setting('DEMO_CLAIMS', env.json(z.record(z.string(), z.string()), '{}'), 'exact-match claims'),
  },
  check: (c) => (c.port === 1 ? ['DEMO_LISTEN_PORT: 1 is reserved'] : []),
});

describe('config', () => {
  it('applies defaults and parses types', () => {
    const { config, warnings } = schema.load({ DEMO_SECRET: 's', DEMO_VERBOSE: 'true', KAFKA_BROKERS: 'a:1, b:2' });
    expect(config).toEqual({ port: 4000, secret: 's', verbose: true, brokers: ['a:1', 'b:2'], claims: {} });
    expect(warnings).toEqual([]);
  });

  it('reports every problem at once and never echoes secrets', () => {
    try {
      schema.load({ DEMO_LISTEN_PORT: 'x', DEMO_CLAIMS: '{' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toContain('DEMO_LISTEN_PORT');
      expect(msg).toContain('DEMO_SECRET: required');
      expect(msg).toContain('DEMO_CLAIMS: not valid JSON');
    }
    expect(() => schema.load({ DEMO_SECRET: 'hunter2', DEMO_VERBOSE: 'maybe' })).toThrow(/DEMO_VERBOSE/);
    try { schema.load({ DEMO_SECRET: '', DEMO_LISTEN_PORT: '1' }); } catch (e) { expect((e as Error).message).not.toContain('hunter2'); }
  });

  it('runs cross-field rules and warns about unknown prefixed variables', () => {
    expect(() => schema.load({ DEMO_SECRET: 's', DEMO_LISTEN_PORT: '1' })).toThrow(/reserved/);
    expect(schema.load({ DEMO_SECRET: 's', DEMO_LISTN_PORT: '1', OTHER: 'x' }).warnings).toEqual([
      'unknown variable DEMO_LISTN_PORT (prefix of demo); ignored',
    ]);
  });

  it('reads topic replication (default 1/1) and refuses a min ISR above the factor or below 1', () => {
    const kafka = defineConfig({ service: 'demo', prefixes: [], settings: { ...kafkaSettings } });
    expect(kafka.load({}).config).toMatchObject({ topicReplicationFactor: 1, topicMinInsyncReplicas: 1 });
    expect(kafka.load({ KAFKA_TOPIC_REPLICATION_FACTOR: '3', KAFKA_TOPIC_MIN_INSYNC_REPLICAS: '2' }).config).toMatchObject({ topicReplicationFactor: 3, topicMinInsyncReplicas: 2 });
    expect(() => kafka.load({ KAFKA_TOPIC_REPLICATION_FACTOR: '2', KAFKA_TOPIC_MIN_INSYNC_REPLICAS: '3' }))
      .toThrow('KAFKA_TOPIC_MIN_INSYNC_REPLICAS: 3 is more than KAFKA_TOPIC_REPLICATION_FACTOR 2; every write would be refused');
    expect(() => kafka.load({ KAFKA_TOPIC_REPLICATION_FACTOR: '0' })).toThrow(/KAFKA_TOPIC_REPLICATION_FACTOR: .*(got "0")/);
  });

  it('renders a doc table with defaults, required and secret markers', () => {
    const doc = renderEnvDoc(schema);
    expect(doc).toContain('| `DEMO_LISTEN_PORT` | `4000` | HTTP port |');
    expect(doc).toContain('| `DEMO_SECRET` | (secret) | signing secret |');
    expect(doc).toContain('| `KAFKA_BROKERS` | `["localhost:9092"]` |');
  });
});
